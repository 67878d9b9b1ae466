/// Counts of group commits and the requests they carried.
public struct BatchStatistics: Sendable, Hashable {
    public private(set) var commits = 0
    public private(set) var requests = 0
    public private(set) var largest = 0
    /// CPU time the writer thread spent in group commits (deciding, encoding,
    /// chaining, inserting, projecting; not waiting for the disk).
    public private(set) var writerCPUNanoseconds: Int64 = 0

    public init() {}

    /// Counts one commit of `size` requests.
    public mutating func record(_ size: Int) {
        commits += 1
        requests += size
        largest = max(largest, size)
    }

    public mutating func recordCPU(nanoseconds: Int64) { writerCPUNanoseconds += nanoseconds }

    /// The writer's CPU share of each request, in microseconds, since `earlier`.
    public func writerMicrosecondsPerRequest(since earlier: BatchStatistics) -> Double {
        Double(writerCPUNanoseconds - earlier.writerCPUNanoseconds) / 1000 / Double(max(1, requests - earlier.requests))
    }
}
