import Foundation
import PosternCore
import PosternService

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessEnvironment {
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}

enum StandardError {
    static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
