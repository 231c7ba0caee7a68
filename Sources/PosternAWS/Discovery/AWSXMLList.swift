/// A list in an AWS Query (XML) answer: `<TagList><Tag>…</Tag>…</TagList>`. The member element
/// is named differently in every API (`Tag`, `DBInstance`, `member`…), so any name is taken;
/// an empty `<TagList/>` is an empty list.
struct AWSXMLList<Element: Decodable & Sendable>: Decodable, Sendable {
    var items: [Element]

    init(_ items: [Element] = []) {
        self.items = items
    }

    init(from decoder: any Decoder) throws {
        // XMLCoder presents an empty element as a keyed container with one empty key.
        guard let container = try? decoder.container(keyedBy: AnyCodingKey.self),
              let key = container.allKeys.first(where: { !$0.stringValue.isEmpty })
        else {
            items = []
            return
        }
        items = try container.decode([Element].self, forKey: key)
    }
}

extension AWSXMLList: Equatable where Element: Equatable {}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

extension Optional {
    /// The items of an optional XML list, or none.
    func items<Element>() -> [Element] where Wrapped == AWSXMLList<Element> {
        self?.items ?? []
    }
}
