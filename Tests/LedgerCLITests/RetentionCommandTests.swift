import Foundation
import LedgerCore
import LedgerStore
import LedgerTesting
import Testing

/// `ledger retain` on the demo log, and the database's own guard tried from
/// the raw `sqlite3` shell: the redaction is the one change allowed.
@Suite struct RetentionCommandTests {
    /// The demo log, retained; the answers of verify, rebuild --check,
    /// replay and the audit reports before and after.
    @Test func retainingTheDemoLogKeepsEveryAnswer() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let imported = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let reports = [["replay", "vid_002"], ["replay", "vid_003"], ["audit", "refunds"], ["audit", "orphans"], ["rebuild", "--check"]]
        var before: [String] = []
        for command in reports { before.append(try await LedgerBinary.run(command + ["--db", path]).stdout) }

        let dry = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would redact 7 bodies"), "\(dry.stdout)\(dry.stderr)")
        let retained = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d", "--operator", "mira"])
        #expect(retained.status == 0 && retained.stdout.contains("redacted 7 bodies"), "\(retained.stdout)\(retained.stderr)")
        let again = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d"])
        #expect(again.status == 0 && again.stdout.contains("nothing to redact"), "idempotent: \(again.stdout)")

        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0, "\(verify.stdout)")
        for (command, answer) in zip(reports, before) {
            let after = try await LedgerBinary.run(command + ["--db", path]).stdout
            // rebuild --check counts the retention.applied event too.
            if command[0] == "rebuild" { #expect(after.contains("projections match"), "\(after)"); continue }
            #expect(after == answer, "\(command) answers the same after retention")
        }
        for bad in ["x", "12", "-3d", "1y"] {
            let refused = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", bad])
            #expect(refused.status == 2 && refused.stderr.contains("--bodies-older-than"), "\(bad): \(refused.stderr)")
        }
    }

    /// The trigger allows exactly the redaction: from the raw shell, every
    /// other UPDATE and DELETE of the log is refused, also a redaction that
    /// changes anything else; a redaction no retention run covers is then
    /// reported by verify at its position.
    @Test func theDatabaseAllowsTheRedactionAndNothingElse() async throws {
        let path = Fixtures.temporaryDatabasePath()
        _ = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        let webhook = try Self.sqlite(path, "SELECT min(position) FROM events WHERE type = 'webhook.received'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = [
            "UPDATE events SET data = json_set(data, '$.cost', 1) WHERE type = 'job.registered'",
            "UPDATE events SET data = json_set(data, '$.body', 'forged') WHERE position = \(webhook)",
            "UPDATE events SET data = json_set(data, '$.body', '[redacted]', '$.raw_status', 'failed') WHERE position = \(webhook)",
            "UPDATE events SET data = json_set(data, '$.body', '[redacted]'), recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = \(webhook)",
            "UPDATE events SET hash = prev_hash WHERE position = \(webhook)",
            "DELETE FROM events WHERE position = \(webhook)",
        ]
        for sql in refused {
            let output = try Self.sqlite(path, sql)
            #expect(output.contains("append-only"), "refused: \(sql) → \(output)")
        }
        let verifyBefore = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verifyBefore.status == 0, "nothing changed: \(verifyBefore.stdout)")
        let allowed = try Self.sqlite(path, "UPDATE events SET data = json_set(data, '$.body', '[redacted]') WHERE position = \(webhook)")
        #expect(!allowed.contains("append-only"), "the redaction form passes the guard: \(allowed)")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 1 && verify.stdout.contains("at position \(webhook)"), "no run covers it: \(verify.stdout)")
    }

    static func sqlite(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite3-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return try String(contentsOf: output, encoding: .utf8)
    }
}
