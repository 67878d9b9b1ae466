import LedgerCore
import LedgerStore

/// The suite every engine (``LedgerEngine``) must pass: the log's guarantees
/// here, its read models and its operations in the extensions beside it, so
/// that every protocol method is exercised. Each check makes the fresh, empty
/// engines it needs from the factory it is given and throws
/// ``ConformanceFailure`` on a violation.
///
/// ```swift
/// @Test(arguments: StoreConformance.logChecks)
/// func logConforms(_ check: StoreConformance.Check<any EventStore>) async throws {
///     try await check.run { try await makeEmptyEngine() }
/// }
/// ```
public enum StoreConformance {
    /// A check against engines of type `Engine` (the log's checks need only
    /// an ``EventStore``; the read models' and operations' a ``LedgerEngine``).
    public struct Check<Engine: Sendable>: Sendable, CustomStringConvertible {
        /// Makes a fresh, empty engine.
        public typealias Factory = @Sendable () async throws -> Engine

        public let name: String
        public let run: @Sendable (_ make: Factory) async throws -> Void
        public var description: String { name }

        /// A check of one fresh engine.
        init(name: String, _ body: @escaping @Sendable (Engine) async throws -> Void) {
            self.name = name
            run = { make in try await body(try await make()) }
        }

        /// A check that makes engines itself (moving a log from one to another).
        init(name: String, engines body: @escaping @Sendable (_ make: Factory) async throws -> Void) {
            self.name = name
            run = body
        }
    }

    /// The read models' and the operations' checks (the log's are ``logChecks``).
    public static var engineChecks: [Check<any LedgerEngine>] { readModelChecks + operationChecks + proofChecks + invariantChecks }

    /// The log's guarantees: append, decide-and-append, reads, the chain.
    public static let logChecks: [Check<any EventStore>] = [
        Check(name: "positions start at 1 and have no gaps") { store in
            for index in 0..<5 { _ = try await store.append(plain("s-\(index % 2)", count: index + 1)) }
            let all = try await store.events(after: 0, limit: 100)
            try expect(all.map(\.position) == Array(1...Int64(all.count)), "positions \(all.map(\.position))")
        },
        Check(name: "each hash chains to the previous one") { store in
            _ = try await store.append(plain("s", count: 3))
            _ = try await store.append(plain("t", count: 2))
            var previous = ChainHead.genesis.hash
            for event in try await store.events(after: 0, limit: 10) {
                try expect(event.prevHash == previous, "prev_hash at \(event.position)")
                try expect(ChainHasher.hash(of: event) == event.hash, "hash at \(event.position)")
                previous = event.hash
            }
        },
        Check(name: "a wrong expected version is a conflict and appends nothing") { store in
            _ = try await store.append(AppendRequest(stream: "s", expected: .noStream, events: plainEvents(1)))
            do {
                _ = try await store.append(AppendRequest(stream: "s", expected: .noStream, events: plainEvents(1)))
                throw ConformanceFailure("expected a conflict for noStream")
            } catch StoreError.wrongExpectedVersion(_, _, let actual) {
                try expect(actual == 1, "actual version \(actual)")
            }
            do {
                _ = try await store.append(AppendRequest(stream: "s", expected: .exactly(7), events: plainEvents(1)))
                throw ConformanceFailure("expected a conflict for version 7")
            } catch StoreError.wrongExpectedVersion {}
            _ = try await store.append(AppendRequest(stream: "s", expected: .exactly(1), events: plainEvents(2)))
            try expect(try await store.events(inStream: "s").map(\.version) == [1, 2, 3], "versions")
        },
        Check(name: "a repeated idempotency key returns the original and appends nothing") { store in
            let request = AppendRequest(stream: "s", events: plainEvents(2), idempotencyKey: "key-1")
            let first = try await store.append(request)
            let again = try await store.append(request)
            try expect(again.alreadyExisted && again.firstPosition == first.firstPosition, "original positions")
            try expect(try await store.head().position == 2, "nothing appended")
        },
        Check(name: "the same idempotency key with another payload is refused") { store in
            _ = try await store.append(AppendRequest(stream: "s", events: plainEvents(1), idempotencyKey: "key-1"))
            do {
                _ = try await store.append(AppendRequest(stream: "s", events: plainEvents(1, operatorName: "other"),
                                                         idempotencyKey: "key-1"))
                throw ConformanceFailure("expected idempotencyKeyReused")
            } catch StoreError.idempotencyKeyReused(_, let position) {
                try expect(position == 1, "names the original position")
            }
            try expect(try await store.head().position == 1, "nothing appended")
        },
        Check(name: "an empty append is refused") { store in
            do {
                _ = try await store.append(AppendRequest(stream: "s", events: []))
                throw ConformanceFailure("expected invalidRequest")
            } catch StoreError.invalidRequest {}
        },
        Check(name: "concurrent appends all land, each at its own position") { store in
            try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for index in 0..<200 { group.addTask { try await store.append(plain("c-\(index % 7)", count: 1)) } }
                var positions: Set<Int64> = []
                for try await result in group { positions.insert(result.firstPosition) }
                try expect(positions == Set(1...200), "200 distinct positions 1...200")
            }
        },
        Check(name: "a refused request in a batch does not fail its neighbours") { store in
            _ = try await store.execute(Fixtures.register("a"))
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            // Every odd request conflicts: "a" is registered with another cost.
                            let request = index % 2 == 0 ? Fixtures.register("j\(index)") : Fixtures.register("a", cost: 99)
                            _ = try await store.execute(request)
                            return true
                        } catch StoreError.refused { return false }
                    }
                }
                var succeeded = 0
                for try await ok in group where ok { succeeded += 1 }
                try expect(succeeded == 25, "25 registrations succeed, got \(succeeded)")
            }
            try expect(try await store.head().position == 26, "26 events")
        },
        Check(name: "decide-and-append records the fact with its decisions") { store in
            _ = try await store.execute(Fixtures.register("j", cost: 30, externalID: "x"))
            let outcome = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
            try expect(outcome.appended.map(\.type) == [.webhookReceived, .jobFailed, .creditRefunded], "\(outcome.appended)")
            try expect(outcome.state?.refundedAmount == 30, "refunded")
            let row = try await store.job("j")
            try expect(row?.status == .failed && row?.refundedAmount == 30, "projection row \(String(describing: row))")
        },
        Check(name: "a poll and a webhook racing on one job make one decision; the other is evidence") { store in
            // FAULTS 24: 40 jobs, each raced by a webhook and a poll at once, in seeded
            // agreement or contradiction, all 80 facts in flight together.
            var generator = SeededGenerator(seed: 24)
            var races: [(jobID: String, webhook: ReportedStatus, poll: ReportedStatus)] = []
            for index in 0..<40 {
                let webhook: ReportedStatus = Bool.random(using: &generator) ? .completed : .failed
                let poll: ReportedStatus = Bool.random(using: &generator) ? webhook : (webhook == .completed ? .failed : .completed)
                races.append(("r\(index)", webhook, poll))
                _ = try await store.execute(Fixtures.register("r\(index)", cost: 10, externalID: "x\(index)"))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, race) in races.enumerated() {
                    group.addTask { _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x\(index)", race.webhook, delivery: "w\(index)"))) }
                    group.addTask {
                        _ = try await store.execute(.job(jobID: race.jobID, command: .poll(Fixtures.poll(race.poll)), metadata: Fixtures.app))
                    }
                }
                try await group.waitForAll()
            }
            for race in races {
                let events = try await store.events(inStream: StreamName.job(race.jobID))
                let types = events.map(\.type)
                let facts = events.filter { [EventType.webhookReceived.rawValue, EventType.pollResult.rawValue].contains($0.type) }
                let terminal = events.filter { [EventType.jobCompleted.rawValue, EventType.jobFailed.rawValue].contains($0.type) }
                try expect(facts.count == 2, "\(race.jobID): both facts stored: \(types)")
                try expect(terminal.count == 1, "\(race.jobID): one decision: \(types)")
                let evidence = JSONValue(jsonText: terminal[0].data)?["evidence_position"]
                try expect(evidence == .int(facts[0].position), "\(race.jobID): the first fact stored decides: \(types)")
                let refunds = types.filter { $0 == EventType.creditRefunded.rawValue }.count
                try expect(refunds == (terminal[0].type == EventType.jobFailed.rawValue ? 1 : 0), "\(race.jobID): refunds \(types)")
                let late = race.webhook != race.poll && terminal[0].type == EventType.jobFailed.rawValue
                try expect(types.contains(EventType.jobLateCompletion.rawValue) == late, "\(race.jobID): late completion \(types)")
            }
        },
    ]

    public static func plain(_ stream: String, count: Int) -> AppendRequest {
        AppendRequest(stream: stream, events: plainEvents(count))
    }

    public static func plainEvents(_ count: Int, operatorName: String = "ops") -> [NewEvent] {
        (0..<count).map { index in
            NewEvent(.operatorAction(OperatorAction(operatorName: operatorName, action: "note", reason: "test \(index)")),
                     metadata: Fixtures.app)
        }
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(message()) }
    }

    static func required<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
        guard let value else { throw ConformanceFailure(message()) }
        return value
    }
}

/// A conformance check that did not hold.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
