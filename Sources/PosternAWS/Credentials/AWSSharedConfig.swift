import Foundation

/// The profiles of `~/.aws/config` and `~/.aws/credentials`, parsed as botocore's
/// RawConfigParser does: `[default]` and `[profile NAME]` in the config file, `[NAME]` in the
/// credentials file; keys lower-cased; `=` or `:`; `#`/`;` comment lines; no inline comments;
/// indented lines belong to a nested section (`s3 =`) and are not profile keys.
public struct AWSSharedConfig: Sendable, Equatable {
    /// Profile name → key → value, from the config file.
    public var configProfiles: [String: [String: String]]
    /// Profile name → key → value, from the credentials file.
    public var credentialProfiles: [String: [String: String]]
    /// Where they were read from, for messages.
    public var configPath: String
    public var credentialsPath: String

    public init(
        configProfiles: [String: [String: String]] = [:], credentialProfiles: [String: [String: String]] = [:],
        configPath: String = "", credentialsPath: String = ""
    ) {
        self.configProfiles = configProfiles
        self.credentialProfiles = credentialProfiles
        self.configPath = configPath
        self.credentialsPath = credentialsPath
    }

    /// Loads both files as the SDKs find them: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`,
    /// else `~/.aws/config` / `~/.aws/credentials` under `HOME`. A missing file is empty.
    public static func load(environment: [String: String], files: any AWSFileReader) throws -> AWSSharedConfig {
        // An empty variable counts as unset, as in the SDKs.
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = variable("HOME") ?? ""
        let configPath = expand(variable("AWS_CONFIG_FILE") ?? "~/.aws/config", home: home)
        let credentialsPath = expand(variable("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials", home: home)
        let config = try files.read(configPath).map { parseConfigFile($0) } ?? [:]
        let credentials = try files.read(credentialsPath).map { parseSections($0) } ?? [:]
        return AWSSharedConfig(
            configProfiles: config, credentialProfiles: credentials,
            configPath: configPath, credentialsPath: credentialsPath)
    }

    /// The profile as the SDKs see it: config values overridden by credentials-file values.
    public func profile(_ name: String) -> [String: String]? {
        let config = configProfiles[name]
        let credentials = credentialProfiles[name]
        guard config != nil || credentials != nil else { return nil }
        return (config ?? [:]).merging(credentials ?? [:]) { $1 }
    }

    public var profileNames: [String] {
        Set(configProfiles.keys).union(credentialProfiles.keys).sorted()
    }

    static func expand(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }

    /// Config-file sections: `[default]` and `[profile NAME]` are profiles; `[profile default]`
    /// also names the default profile; other sections (`[sso-session x]`, `[services x]`, a bare
    /// `[x]`) are not profiles.
    static func parseConfigFile(_ text: String) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        for (section, values) in parseSectionList(text) {
            let parts = section.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if section == "default" {
                profiles["default", default: [:]].merge(values) { $1 }
            } else if parts.count == 2, parts[0] == "profile" {
                let name = parts[1].trimmingCharacters(in: .whitespaces)
                profiles[name, default: [:]].merge(values) { $1 }
            }
        }
        return profiles
    }

    static func parseSections(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        for (section, values) in parseSectionList(text) {
            sections[section, default: [:]].merge(values) { $1 }
        }
        return sections
    }

    private static func parseSectionList(_ text: String) -> [(String, [String: String])] {
        var result: [(String, [String: String])] = []
        var current: (name: String, values: [String: String])?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            // Indented lines continue a nested value (`s3 =\n  max_concurrent_requests = 5`).
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                if let current { result.append(current) }
                current = (String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces), [:])
                continue
            }
            guard current != nil,
                let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" })
            else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            if !key.isEmpty { current?.values[key] = value }
        }
        if let current { result.append(current) }
        return result
    }
}
