import Foundation
import XMLCoder

/// Decoding of AWS Query protocol answers with XMLCoder.
public enum AWSXML {
    private static let resultKey = CodingUserInfoKey(rawValue: "postern.aws.resultElement")

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata/></ActionResponse>`:
    // the root element is the decoder's top level, so only the result element is looked up.
    private struct Envelope<T: Decodable>: Decodable {
        let result: T
        init(from decoder: any Decoder) throws {
            let name = (resultKey.flatMap { decoder.userInfo[$0] as? String }) ?? ""
            let container = try decoder.container(keyedBy: Key.self)
            result = try container.decode(T.self, forKey: Key(stringValue: name))
        }
    }

    /// Decodes the `<action>Result` element of a query answer as `T`.
    public static func decodeQueryResult<T: Decodable>(
        _ type: T.Type, action: String, service: AWSService, from body: [UInt8]
    ) throws -> T {
        let decoder = makeDecoder()
        if let resultKey { decoder.userInfo[resultKey] = action + "Result" }
        do {
            return try decoder.decode(Envelope<T>.self, from: Data(body)).result
        } catch {
            throw AWSDecodingError(service: service.id, action: action, detail: "\(error)")
        }
    }

    /// An XMLDecoder set up for AWS documents (ISO 8601 dates, whitespace trimmed).
    public static func makeDecoder() -> XMLDecoder {
        let decoder = XMLDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)"))
            }
            return date
        }
        decoder.trimValueWhitespaces = true
        return decoder
    }

    /// `2026-01-02T03:04:05Z`, with or without fractional seconds (AWS and moto use both).
    public static func parseDate(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: trimmed) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: trimmed)
    }
}
