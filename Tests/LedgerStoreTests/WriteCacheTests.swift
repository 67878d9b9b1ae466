import LedgerCore
@testable import LedgerStore
import LedgerTesting
import Testing

/// What a writer's cache does when the log is behind what it saw committed.
@Suite struct WriteCacheTests {
    /// A commit the writer counted and the database lost (the server stopped
    /// after the statement's answer, before its commit), or a restored
    /// database: the job states it holds are ahead of the log, and a batch
    /// decided on them would skip versions (a fault campaign saw a job's
    /// versions jump from 2 to 6). Everything is forgotten instead.
    @Test func aLogBehindWhatTheWriterSawCommittedEmptiesTheCache() {
        let cache = WriteCache(jobCountMax: 100)
        let at = Timestamp(millisecondsSinceEpoch: 1)
        cache.head = HeadState(head: ChainHead(position: 10, hash: String(repeating: "a", count: 64)), recordedAt: at)
        var job = JobState(jobID: "j")
        job.apply(.jobRegistered(Fixtures.registration("j")), version: 1, at: at)
        cache.jobs["j"] = job
        cache.streamVersions["orphans"] = 3
        let behind = HeadState(head: ChainHead(position: 7, hash: String(repeating: "b", count: 64)), recordedAt: at)
        cache.bringForward(HeadMove(head: behind, foreign: []))
        #expect(cache.jobs.isEmpty && cache.streamVersions.isEmpty && cache.head == behind)
        // Ahead, with nothing foreign for a cached job: what is held stays.
        cache.jobs["j"] = job
        let ahead = HeadState(head: ChainHead(position: 9, hash: String(repeating: "c", count: 64)), recordedAt: at)
        cache.bringForward(HeadMove(head: ahead, foreign: []))
        #expect(cache.jobs["j"] != nil && cache.head == ahead)
    }
}
