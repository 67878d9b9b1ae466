import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `docs/examples/demo.jsonl` is the log the README tour imports. It is built
/// here with a manual clock, so it is byte-for-byte reproducible; set
/// `LEDGER_REGENERATE=1` to rewrite it after a deliberate change.
@Suite struct DemoLogTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/examples/demo.jsonl").standardized

    @Test func theDemoLogIsWhatTodaysCodeWrites() async throws {
        let lines = try await Self.buildDemo()
        if ProcessInfo.processInfo.environment["LEDGER_REGENERATE"] == "1" {
            try (lines.joined(separator: "\n") + "\n").write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let shipped = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n").map(String.init)
        let firstDifference = zip(shipped, lines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(shipped.count, lines.count)
        #expect(shipped == lines, """
            line \(firstDifference + 1) of \(lines.count) differs (shipped \(shipped.count) lines); \
            regenerate with LEDGER_REGENERATE=1 swift test --filter DemoLogTests
            """)
    }

    static func buildDemo() async throws -> [String] {
        let clock = ManualClock()
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(clock: { clock.now }))
        let app = EventMetadata(actor: "app", source: "http", correlationID: "req-demo")
        func step(_ request: LedgerRequest, after seconds: Int64) async throws {
            clock.advance(milliseconds: seconds * 1000)
            _ = try await store.execute(request)
        }
        let video = Fixtures.registration("vid_001", account: "acct_42", cost: 40)
        try await step(.job(jobID: "vid_001", command: .register(video), metadata: app), after: 0)
        try await step(.job(jobID: "vid_001", command: .submit(externalID: "pred_a"), metadata: app), after: 2)
        try await step(Fixtures.deliver(Fixtures.webhook("pred_a", .processing, delivery: "msg_a1")), after: 30)
        let done = Fixtures.webhook("pred_a", .completed, delivery: "msg_a2", outputs: .array([.string("https://cdn.example/a.mp4")]))
        try await step(Fixtures.deliver(done), after: 95)
        try await step(Fixtures.deliver(done), after: 60)
        let upscale = Fixtures.registration("vid_002", account: "acct_42", cost: 25)
        try await step(.job(jobID: "vid_002", command: .register(upscale), metadata: app), after: 10)
        try await step(.job(jobID: "vid_002", command: .submit(externalID: "pred_b"), metadata: app), after: 1)
        try await step(Fixtures.deliver(Fixtures.webhook("pred_b", .failed, delivery: "msg_b1")), after: 40)
        let late = Fixtures.webhook("pred_b", .completed, delivery: "msg_b2", outputs: .array([.string("https://cdn.example/b.png")]))
        try await step(Fixtures.deliver(late), after: 3600)
        try await step(Fixtures.deliver(Fixtures.webhook("pred_c", .completed, delivery: "msg_c1",
                                                         outputs: .array([.string("https://cdn.example/c.wav")]))), after: 5)
        let audio = Fixtures.registration("vid_003", account: "acct_7", cost: 15, externalID: "pred_c")
        try await step(.job(jobID: "vid_003", command: .register(audio), metadata: app), after: 3)
        return try await store.events(after: 0, limit: 1000).map { event in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(event), as: UTF8.self)
        }
    }
}
