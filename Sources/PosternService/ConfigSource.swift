import Dispatch
import Foundation
import NIOConcurrencyHelpers
import PosternCore

#if canImport(Glibc)
import Glibc
#endif

/// The config as it is now: loaded once, then again on SIGHUP or when the config file or a role
/// file changes (checked every second by inode, size and modification time). A reload that fails
/// keeps the previous config and is reported; new sessions always see the latest good one.
public final class ConfigSource: Sendable {
    public let path: String
    private let loader: ConfigLoader
    private let state: NIOLockedValueBox<State>
    private let watchers = NIOLockedValueBox<[Watcher]>([])

    /// Dispatch sources may be cancelled from any thread.
    private struct Watcher: @unchecked Sendable {
        let source: any DispatchSourceProtocol
    }

    struct State: Sendable {
        var loaded: ConfigLoader.Loaded
        var generation: Int
        var fingerprint: [String]
    }

    public enum Change: Sendable {
        /// A new config is in force (its generation).
        case reloaded(generation: Int)
        /// The files changed but do not load; the previous config stays.
        case failed(String)
    }

    public init(path: String, loader: ConfigLoader = ConfigLoader(fs: LocalFileSystem())) throws(ConfigError) {
        self.path = path
        self.loader = loader
        let loaded = try loader.load(path)
        state = NIOLockedValueBox(State(loaded: loaded, generation: 1, fingerprint: Self.fingerprint(path, loaded.config)))
    }

    public var current: ConfigLoader.Loaded { state.withLockedValue { $0.loaded } }
    /// The config and its generation, read together (a reload in between cannot mix them).
    public var snapshot: (loaded: ConfigLoader.Loaded, generation: Int) { state.withLockedValue { ($0.loaded, $0.generation) } }
    public var config: PosternConfig { current.config }
    public var generation: Int { state.withLockedValue { $0.generation } }

    /// Loads the files again if they changed since they were last looked at (always, when
    /// `force`); nil when there was nothing to do.
    @discardableResult
    public func reload(force: Bool = false) -> Change? {
        let (config, seen) = state.withLockedValue { ($0.loaded.config, $0.fingerprint) }
        let now = Self.fingerprint(path, config)
        guard force || now != seen else { return nil }
        // Recorded before loading: a change made while loading is seen by the next look.
        state.withLockedValue { $0.fingerprint = now }
        let loaded: ConfigLoader.Loaded
        do {
            loaded = try loader.load(path)
        } catch {
            return .failed(error.description)
        }
        return state.withLockedValue { s -> Change in
            s.loaded = loaded
            s.generation += 1
            return .reloaded(generation: s.generation)
        }
    }

    /// Reloads when the files change and, with `onHangup` (the service), on SIGHUP too, whose
    /// default action (ending the process) is then turned off. Interactive commands leave SIGHUP
    /// alone, so a tunnel still ends with the terminal it was started from. `onChange` hears
    /// every outcome.
    public func watch(pollEvery interval: DispatchTimeInterval = .seconds(1), onHangup: Bool = false,
                      onChange: @escaping @Sendable (Change) -> Void) {
        let queue = DispatchQueue(label: "postern.config-watch")
        if onHangup {
            signal(SIGHUP, SIG_IGN)
            let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
            hup.setEventHandler { [weak self] in
                if let change = self?.reload(force: true) { onChange(change) }
            }
            hup.resume()
            watchers.withLockedValue { $0.append(Watcher(source: hup)) }
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in
            if let change = self?.reload() { onChange(change) }
        }
        timer.resume()
        watchers.withLockedValue { $0.append(Watcher(source: timer)) }
    }

    public func stopWatching() {
        let all = watchers.withLockedValue { w in
            defer { w.removeAll() }
            return w
        }
        for watcher in all { watcher.source.cancel() }
    }

    /// inode, size and mtime of the config file, the roles dir and each file in it.
    static func fingerprint(_ path: String, _ config: PosternConfig) -> [String] {
        var paths = [path]
        if let dir = config.rolesDirectory {
            paths.append(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            paths += names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir + "/" + $0 }
        }
        return paths.map { p in
            var st = stat()
            guard stat(p, &st) == 0 else { return "\(p):missing" }
            return "\(p):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_mode):\(st.st_uid)"
        }
    }
}
