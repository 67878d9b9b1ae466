import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// A forged export chains perfectly (every hash recomputed) and still holds
/// what the ledger never records: `import` refuses it with the line that
/// breaks a rule, and appends nothing. Each of these was imported before,
/// and `verify` said ok (a job id the API refuses stopped the watchdog's
/// rounds; a time in 9999 stamped every later event with it).
@Suite struct ImportCheckTests {
    /// A small real log's export: a registration, a submission, a completion.
    static func export() async throws -> [StoredEvent] {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("vid", cost: 40, externalID: "x1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d1")))
        let events = try await store.events(after: 0, limit: 100)
        await store.close()
        return events
    }

    /// `events` with `edit` applied to the one at `index`, every hash after it recomputed.
    static func forged(_ events: [StoredEvent], at index: Int, _ edit: (inout StoredEvent) -> Void) -> [String] {
        var events = events
        edit(&events[index])
        events[index].dataSHA256 = ChainHasher.digest(events[index].data)
        for position in events.indices {
            events[position].prevHash = position == 0 ? ChainHead.genesis.hash : events[position - 1].hash
            events[position].hash = ChainHasher.hash(of: events[position])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return events.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }
    }

    static func refusal(_ lines: [String]) async throws -> (line: Int, detail: String)? {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        defer { Task { await store.close() } }
        do {
            _ = try await store.importEvents(lines: lines)
            return nil
        } catch StoreError.importRejected(let line, let detail) {
            #expect(try await store.head() == .genesis, "nothing imported")
            return (line, detail)
        }
    }

    @Test func aForgedEventTheLedgerWouldNotRecordIsRefusedByLine() async throws {
        let events = try await Self.export()
        #expect(try await Self.refusal(Self.forged(events, at: 0) { _ in }) == nil, "the real export imports")
        let cases: [(String, Int, Int, (inout StoredEvent) -> Void)] = [
            ("printable ASCII", 0, 1, { event in
                event.stream = "job-vidé"
                event.data = event.data.replacingOccurrences(of: #""job_id":"vid""#, with: #""job_id":"vidé""#)
            }),
            ("cost must be zero or more", 0, 1, { $0.data = $0.data.replacingOccurrences(of: #""cost":40"#, with: #""cost":-40"#) }),
            ("a registration of job", 0, 1, { $0.data = $0.data.replacingOccurrences(of: #""job_id":"vid""#, with: #""job_id":"other""#) }),
            ("earlier than the event's before it", 2, 3, { $0.recordedAt = "2020-01-01T00:00:00.000Z" }),
            ("in the future", 2, 3, { $0.recordedAt = "9999-12-31T23:59:59.999Z" }),
            ("the data is not a job.exploded event", 2, 3, { $0.type = "job.exploded" }),
            ("names \"cost\" twice", 0, 1, { $0.data = $0.data.replacingOccurrences(of: #""cost":40"#, with: #""cost":4000,"cost":40"#) }),
            ("not a UTC time like", 2, 3, { $0.recordedAt = String($0.recordedAt.prefix(19)) + "Z" }),
        ]
        for (words, index, line, edit) in cases {
            let refused = try await Self.refusal(Self.forged(events, at: index, edit))
            #expect(refused?.line == line && refused?.detail.contains(words) == true, "\(words): \(String(describing: refused))")
        }
    }

    /// A second registration of a job charges its account again: the whole log's rules refuse it.
    @Test func aSecondRegistrationOfAJobIsRefused() async throws {
        var events = try await Self.export()
        var again = events[0]
        again.position = Int64(events.count) + 1
        again.version = Int64(events.filter { $0.stream == again.stream }.count) + 1
        again.recordedAt = events[events.count - 1].recordedAt
        events.append(again)
        let refused = try await Self.refusal(Self.forged(events, at: events.count - 1) { _ in })
        #expect(refused?.detail.contains("registered more than once") == true, "\(String(describing: refused))")
    }
}
