import Foundation
import LedgerCore
import LedgerStore

extension StoreConformance {
    static let operationChecks: [Check<any LedgerEngine>] = [
        Check(name: "closing commits what is queued, then refuses writes as retry later") { store in
            let positions = await withTaskGroup(of: Int64?.self) { group in
                for index in 0..<40 { group.addTask { try? await store.append(plain("closing-\(index % 4)", count: 1)).firstPosition } }
                group.addTask {
                    await store.close()
                    return nil
                }
                return await group.reduce(into: [Int64]()) { if let position = $1 { $0.append(position) } }
            }
            try expect(positions.isEmpty || positions.sorted() == Array(1...Int64(positions.count)),
                       "each append answered before the close is stored, gap-free: \(positions.sorted())")
            do {
                _ = try await store.append(plain("after", count: 1))
                throw ConformanceFailure("a write after close was taken")
            } catch StoreError.storageUnavailable {}
        },
        Check(name: "readiness takes a write, and recorded settings read back") { store in
            let seeded = try await store.recordedSettings()
            try expect(seeded == WatchdogPolicy.standard.recordedSettings, "a new ledger starts with the default thresholds: \(seeded)")
            try await store.probeWritable()
            try await store.recordSettings(["late_completion_policy": "recharge", "notifications": "on"])
            let settings = try await store.recordedSettings()
            try expect(settings["late_completion_policy"] == "recharge" && settings["notifications"] == "on", "\(settings)")
            try expect(try await store.head() == .genesis, "a probe is not an event")
            let storage = try await store.storageFindings()
            try expect(storage.isEmpty, "a new store's storage needs nothing: \(storage)")
        },
        // Providers' text is stored as it came (FreeText refuses only the API's own): a NUL in a
        // status word, an error or outputs must not make a webhook unstorable on any engine.
        Check(name: "a webhook whose texts hold a NUL is recorded whole, and the log stays sound") { store in
            _ = try await store.execute(Fixtures.register("nul", cost: 5, externalID: "x-nul"))
            let body = #"{"id":"x-nul","status":"proc\u0000essing","error":"bad\u0000thing","output":"a\u0000b"}"#
            let webhook = WebhookReceived(deliveryID: "d-nul", provider: "replicate", externalID: "x-nul", reportedStatus: .unknown,
                                          rawStatus: "proc\u{0}essing", outputs: .string("a\u{0}b"), error: "bad\u{0}thing",
                                          bodySHA256: ChainHasher.digest(body), body: body)
            _ = try await store.execute(Fixtures.deliver(webhook))
            let stored = try await store.events(inStream: StreamName.job("nul")).last.map { try $0.decoded(with: EventCodec()).event }
            guard case .webhookReceived(let kept)? = stored else { throw ConformanceFailure("no webhook: \(String(describing: stored))") }
            try expect(kept.rawStatus == "proc\u{0}essing" && kept.outputs == .string("a\u{0}b") && kept.body == body, "\(kept)")
            // The projections show each NUL as U+FFFD on every engine (``ProjectionText``).
            let job = try await store.job("nul")
            try expect(job?.providerStatus == "proc\u{FFFD}essing", "the job's status word: \(String(describing: job?.providerStatus))")
            let unknown = try await store.table(.unknownStatuses(seenFrom: nil, seenTo: nil)).records.compactMap { $0["raw_status"] }
            try expect(unknown == ["proc\u{FFFD}essing"], "the unknown status words: \(unknown)")
            // A literal backslash and `u0000` is six printable characters: an id and a provider's text keep them;
            // a NUL in the outputs reads U+FFFD there too.
            let typed = "lit\\u0000"
            _ = try await store.execute(Fixtures.register(typed, cost: 5, externalID: "x-\(typed)"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-\(typed)", .completed, delivery: "d-lit",
                                                                          outputs: .array([.string("as typed: \\u0000"), .string("nul:\u{0}")]))))
            let literal = try await store.job(typed)
            try expect(literal?.jobID == typed && literal?.outputs == .array([.string("as typed: \\u0000"), .string("nul:\u{FFFD}")]),
                       "the id and the outputs as typed: \(String(describing: literal))")
            try expect(try await store.jobs(JobFilter(externalID: "x-\(typed)"), after: nil, limit: 5).map(\.jobID) == [typed],
                       "found by its external id")
            try expect(try await store.verify(progress: { _ in }).isSound, "verify")
            try expect(try await store.rebuildCheck(progress: { _ in }).matches, "rebuild --check")
        },
        // An external id the decider refuses is refused before any engine reads it: PostgreSQL's read
        // of a NUL failed the whole batch, and the request was answered "unexpected" (a 500), SQLite's 400.
        Check(name: "an external id with a NUL is refused as invalid, and its batch's other requests commit") { store in
            _ = try await store.execute(Fixtures.register("nul-id", cost: 5))
            let webhook = Fixtures.webhook("x\u{0}y", .processing, delivery: "d-nul-id")
            let requests: [LedgerRequest] = [Fixtures.deliver(webhook), Fixtures.register("nul-id-2", externalID: "a\u{0}b"),
                                             .job(jobID: "nul-id", command: .submit(externalID: "p\u{0}q"), metadata: Fixtures.app),
                                             Fixtures.register("nul-id-3")]
            let answers = await withTaskGroup(of: (Int, String).self) { group in
                for (index, request) in requests.enumerated() {
                    group.addTask {
                        do {
                            _ = try await store.execute(request)
                            return (index, "ok")
                        } catch StoreError.refused(.invalid(let problem)) {
                            return (index, "invalid: \(problem)")
                        } catch {
                            return (index, "\(error)")
                        }
                    }
                }
                return await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<3 {
                try expect(answers[index]?.hasPrefix("invalid: external_id") == true, "request \(index): \(String(describing: answers[index]))")
            }
            try expect(answers[3] == "ok", "the batch's good request: \(String(describing: answers[3]))")
            try expect(try await store.job("nul-id")?.externalID == nil, "nothing submitted")
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
            let head = try await store.head()
            let count = Int64(try await store.events(after: 0, limit: 100_000).count)
            try expect(head.position == count && count > 0, "head \(head.position), count \(count)")
            // A checkpoint as ledger checkpoint wrote them before they were signed notes (verify still reads them).
            let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: Data("""
                {"position": \(head.position), "hash": "\(head.hash)", "count": \(count), "created_at": "\(Timestamp(Date()).iso8601)",
                 "public_key": "", "signature": ""}
                """.utf8))
            try expect(try await store.contradiction(of: checkpoint) == nil, "the log extends its own checkpoint")
            var forged = checkpoint
            forged.hash = String(repeating: "0", count: 64)
            try expect(try await store.contradiction(of: forged) != nil, "another history is named")
        },
        Check(name: "retention redacts old bodies, keeps every proof, and moves with an export", engines: { make in
            let store = try await make()
            try await busyLedger(store)
            let jobs = ["done", "lost", "open"]
            var before: [String: JobState] = [:]
            for job in jobs { before[job] = try await store.replay(jobID: job)?.state }
            let webhooks = try await store.events(after: 0, limit: 10_000).filter { $0.type == "webhook.received" }
            let cutoff = Timestamp(millisecondsSinceEpoch: Timestamp(Date()).millisecondsSinceEpoch + 60_000)
            let run = RetentionRun(cutoff: cutoff, operatorName: "auditor")
            let dry = try await store.retainBodies(run, dryRun: true)
            try expect(dry.count == Int64(webhooks.count) && dry.runPosition == nil, "a dry run counts: \(dry)")
            let applied = try await store.retainBodies(run, dryRun: false)
            try expect(applied.count == Int64(webhooks.count) && applied.runPosition != nil, "\(applied)")
            let after = try await store.events(after: 0, limit: 10_000)
            let redacted = after.filter { $0.type == "webhook.received" }
            try expect(redacted.allSatisfy { BodyRedaction.isRedacted($0.data) }, "every body redacted")
            try expect(zip(webhooks, redacted).allSatisfy { $0.hash == $1.hash && $0.dataSHA256 == $1.dataSHA256 },
                       "hashes and digests untouched")
            let report = try await store.verify(progress: { _ in })
            try expect(report.isSound, "verify after retention: \(report.findings)")
            try expect(try await store.rebuildCheck(progress: { _ in }).matches, "rebuild --check after retention")
            for job in jobs { try expect(try await store.replay(jobID: job)?.state == before[job], "\(job) replays the same") }
            let head = try await store.head()
            let again = try await store.retainBodies(run, dryRun: false)
            let headAfterAgain = try await store.head()
            try expect(again.count == 0 && headAfterAgain == head, "a second run changes nothing: \(again)")

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("retained-\(UUID().uuidString).jsonl")
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            let handle = try FileHandle(forWritingTo: file)
            _ = try await store.export(after: 0, to: handle, batchCount: 5)
            try handle.close()
            var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            let target = try await make()
            _ = try await target.importEvents(lines: lines)
            let targetReport = try await target.verify(progress: { _ in })
            let targetHead = try await target.head()
            try expect(targetReport.isSound && targetHead == head, "a retained log moves and verifies: \(targetReport.findings)")
            // A redacted event changed afterwards is caught at its run.
            guard let index = lines.firstIndex(where: { $0.contains("[redacted]") }) else {
                throw ConformanceFailure("no redacted line in the export")
            }
            lines[index] = lines[index].replacingOccurrences(of: #"\"duplicate\":false"#, with: #"\"duplicate\":true"#)
            do {
                _ = try await (try await make()).importEvents(lines: lines)
                throw ConformanceFailure("a changed redacted event was imported")
            } catch StoreError.importRejected(_, let detail) {
                try expect(detail.contains("retention run"), "named at the run: \(detail)")
            }
        }),
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
