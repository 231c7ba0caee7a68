import FuzzSupport
import NIOCore
@testable import PosternProxy

/// The PostgreSQL frontend framer and the audited-message decoder, as the relay drives them
/// (a body that does not decode is malformed). Invariants: what is forwarded is exactly a prefix
/// of the input; audited bodies stay within the limit; a malformed message's quoted prefix starts
/// where forwarding stopped; small reads change nothing but that prefix's length.
enum PGFrontendTarget {
    /// Small, so short inputs reach the limit.
    static let maxAudited = 256

    struct Run {
        var forwarded: [UInt8] = []
        var audited: [[UInt8]] = []
        var syncs = 0
        var outcome = PGFrontendFramer.Outcome.more
    }

    static func run(_ bytes: [UInt8]) {
        let whole = frame(bytes, [bytes[...]])
        let split = frame(bytes, Fuzz.chunks(bytes))
        Fuzz.require(whole.forwarded == split.forwarded, "forwarded bytes depend on the reads")
        Fuzz.require(whole.audited == split.audited && whole.syncs == split.syncs, "audit depends on the reads")
        switch (whole.outcome, split.outcome) {
        case (.more, .more), (.terminate, .terminate): break
        case (.malformed(let a, _), .malformed(let b, _)):
            Fuzz.require(a == b, "malformed: \(a) whole, \(b) split")
        default:
            Fuzz.require(false, "outcome \(whole.outcome) whole, \(split.outcome) split")
        }
    }

    static func frame(_ bytes: [UInt8], _ reads: [ArraySlice<UInt8>]) -> Run {
        var framer = PGFrontendFramer(maxAuditedMessage: maxAudited)
        var run = Run()
        for read in reads {
            var forward: [ByteBuffer] = []
            run.outcome = framer.process(
                ByteBuffer(bytes: read), forward: &forward,
                onAudited: { type, body in
                    Fuzz.require(body.readableBytes <= maxAudited, "audited body of \(body.readableBytes) bytes")
                    run.audited.append([type] + body.readableBytesView)
                    return PGFrontendMessage.event(type: type, body: body) != nil
                },
                onSync: { run.syncs += 1 })
            for f in forward { run.forwarded += f.readableBytesView }
            Fuzz.require(run.forwarded.count <= bytes.count && bytes.starts(with: run.forwarded),
                         "forwarded \(run.forwarded.count) bytes that are not a prefix of the input")
            if case .malformed(_, let prefix) = run.outcome {
                Fuzz.require(prefix.count <= PGFrontendFramer.prefixLength
                    && bytes[run.forwarded.count...].starts(with: prefix),
                    "malformed prefix does not start where forwarding stopped")
            }
            if run.outcome != .more { break }
        }
        return run
    }
}
