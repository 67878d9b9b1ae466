import Foundation
import LedgerCore
import LedgerStore

extension StoreConformance {
    static let operationChecks: [Check<any LedgerEngine>] = [
        Check(name: "readiness takes a write, and recorded settings read back") { store in
            try await store.probeWritable()
            try await store.recordSettings(["late_completion_policy": "recharge", "notifications": "on"])
            let settings = try await store.recordedSettings()
            try expect(settings["late_completion_policy"] == "recharge" && settings["notifications"] == "on", "\(settings)")
            try expect(try await store.head() == .genesis, "a probe is not an event")
        },
        Check(name: "a sound log verifies, and a rebuild equals the live projections") { store in
            try await busyLedger(store)
            let before = store.batchStatistics
            try expect(before.commits > 0 && before.requests >= before.commits, "group commits counted: \(before)")
            try expect(try await store.verify(progress: { _ in }).isSound, "verify")
            let check = try await store.rebuildCheck(progress: { _ in })
            let head = try await store.head()
            try expect(check.matches && check.eventsRead == head.position, "\(check)")
            let rebuilt = try await store.rebuild(progress: { _ in })
            try expect(rebuilt == check.eventsRead, "rebuilt every event")
            try expect(try await store.job("lost")?.refundedAmount == 7, "the rows are back")
        },
        Check(name: "a checkpoint of the head holds, and one the log does not extend is named") { store in
            try await busyLedger(store)
            let (head, count) = try await store.headAndCount()
            try expect(head.position == count && count > 0, "head \(head.position), count \(count)")
            let key = Data(base64Encoded: Checkpoint.generateKey().seed) ?? Data()
            let checkpoint = try Checkpoint.sign(head: head, count: count, at: Timestamp(Date()), key: key)
            try expect(try await store.contradiction(of: checkpoint) == nil, "the log extends its own checkpoint")
            var forged = checkpoint
            forged.hash = String(repeating: "0", count: 64)
            try expect(try await store.contradiction(of: forged) != nil, "another history is named")
        },
        Check(name: "export then import into another engine gives the same head", engines: { make in
            let source = try await make()
            try await busyLedger(source)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).jsonl")
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            let exported = try await source.export(after: 0, to: handle, batchCount: 3)
            try handle.close()
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            try expect(Int64(lines.count) == exported, "\(exported) exported, \(lines.count) lines")
            let target = try await make()
            try expect(try await target.importEvents(lines: lines) == exported, "imported every line")
            let (targetHead, sourceHead) = (try await target.head(), try await source.head())
            try expect(targetHead == sourceHead, "the same head hash")
            try expect(try await target.rebuildCheck(progress: { _ in }).matches, "projections built on import")
            do {
                _ = try await target.importEvents(lines: [lines[0]])
                throw ConformanceFailure("a line that does not continue the chain was imported")
            } catch StoreError.importRejected {}
        }),
    ]
}
