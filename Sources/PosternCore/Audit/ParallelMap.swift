import Dispatch
import Foundation

extension Array {
    /// `transform` over the elements on every core, results in order: for reading a whole session
    /// (`audit play` of 100k events decodes, renders and lays out each), which one core does at
    /// half the speed of two. Short arrays (under `minimumPerThread` an extra thread) stay on this one.
    /// An error is the earliest element's that threw, as a plain `map` would report; the other
    /// threads' work is wasted, not harmful.
    public func parallelMap<T>(minimumPerThread: Int = 2048, _ transform: (Element) throws -> T) throws -> [T] {
        let threads = Swift.min(ProcessInfo.processInfo.activeProcessorCount, Swift.max(1, count / Swift.max(minimumPerThread, 1)))
        guard threads > 1 else { return try map(transform) }
        return try withoutActuallyEscaping(transform) { transform in
            let job = ParallelJob(items: self, threads: threads, transform: transform)
            DispatchQueue.concurrentPerform(iterations: threads) { job.run(slice: $0) }
            return try job.result()
        }
    }
}

/// One `parallelMap`: each thread maps its slice into its own slot; the caller waits for all of
/// them (`concurrentPerform` returns once every slice ran) before reading the slots.
private final class ParallelJob<Element, T>: @unchecked Sendable {
    private let items: [Element]
    private let threads: Int
    private let transform: (Element) throws -> T
    private let slots: UnsafeMutableBufferPointer<[T]>
    // `lock` guards `failure` (the lowest slice's error).
    private let lock = NSLock()
    private var failure: (slice: Int, error: any Error)?

    init(items: [Element], threads: Int, transform: @escaping (Element) throws -> T) {
        self.items = items
        self.threads = threads
        self.transform = transform
        slots = .allocate(capacity: threads)
        slots.initialize(repeating: [])
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func run(slice t: Int) {
        do {
            slots[t] = try items[(items.count * t / threads)..<(items.count * (t + 1) / threads)].map(transform)
        } catch {
            lock.withLock { if failure.map({ t < $0.slice }) ?? true { failure = (t, error) } }
        }
    }

    func result() throws -> [T] {
        if let failure = lock.withLock({ failure }) { throw failure.error }
        return slots.flatMap { $0 }
    }
}
