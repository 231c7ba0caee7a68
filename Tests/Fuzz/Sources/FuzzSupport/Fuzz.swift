import CFuzzDriver
#if canImport(Glibc)
import Glibc
#endif

/// What every fuzz target shares: libFuzzer's driver, how a broken invariant is reported and how
/// an input is cut into reads.
public enum Fuzz {
    /// Hands the process to libFuzzer, which calls `body` with each input (flags and corpus
    /// directories come from the command line, as for any libFuzzer binary).
    public static func main(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, body))
    }

    /// The bytes libFuzzer hands over.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// A broken invariant traps, so libFuzzer records the input as a crash.
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                               file: StaticString = #fileID, line: UInt = #line) {
        if !condition() { fatalError("invariant broken: \(message())", file: file, line: line) }
    }

    /// The input cut into reads of 1, 2, 3, 5, 8 and 13 bytes in turn, starting at a size picked
    /// by the input's length: the split depends only on the input, so a crash reproduces, and the
    /// corpus stays plain protocol bytes.
    public static func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        let sizes = [1, 2, 3, 5, 8, 13]
        var out: [ArraySlice<UInt8>] = []
        var k = bytes.count % sizes.count
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + sizes[k])
            out.append(bytes[i..<end])
            i = end
            k = (k + 1) % sizes.count
        }
        return out
    }
}
