import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger retain [--bodies-older-than D]`.
struct RetainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Redact the raw provider bodies of old webhooks, keeping every proof.",
        discussion: """
            Replaces the raw `body` of each webhook.received event recorded more than D
            ago with "[redacted]"; every other field (statuses, outputs, ids, body_sha256)
            stays. Appends one retention.applied event first, whose digest lets `ledger
            verify` tell the redacted events from damaged ones; the chain still verifies,
            and replay, rebuild and the audit reports answer as before. Redacts in small
            steps, so a running server keeps taking webhooks. Idempotent; an interrupted
            run is finished by the next one.

            Without --bodies-older-than, the age is retain_bodies's (LEDGER_RETAIN_BODIES,
            or the --config file serve reads) when it is a duration; when it is set to off,
            the flag is required; when it is not set, 30 days. The output names the cutoff.

            Examples:
              ledger retain --dry-run
              ledger retain --bodies-older-than 90d --dry-run
              ledger retain --bodies-older-than 90d --operator mira
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @Option(name: .customLong("bodies-older-than"),
            help: "The age past which bodies are redacted: 90d, 12h, 30m (default: LEDGER_RETAIN_BODIES when set, else 30d).")
    var age: String?
    @Flag(help: "Count what would be redacted; change nothing.") var dryRun = false
    @Option(name: .customLong("operator"), help: "Who runs it, recorded in retention.applied.") var operatorName = "cli"

    /// Without `--bodies-older-than` and with `retain_bodies` not set: 30 days.
    static let defaultAgeMilliseconds: Int64 = 30 * 86_400_000

    func validate() throws {
        if let problem = OperatorAccountability.problem("operator", operatorName) { throw ValidationError("--" + problem) }
    }

    func run() async throws {
        let configuration = try database.configuration(file: configurationOption.config)
        let milliseconds: Int64
        if let age {
            guard let given = DurationText.milliseconds(age) else {
                throw CommandFailure(.usage, "--bodies-older-than: \(age) is not a duration such as 90d, 12h or 30m")
            }
            milliseconds = given
        } else if let configured = configuration.background.retainBodiesMilliseconds {
            milliseconds = configured
        } else if configuration.configured.contains(.retainBodies) {
            // A redaction cannot be undone: a policy that keeps every body is not overridden by a default.
            throw CommandFailure(.usage, "retain_bodies is off (every body kept): give --bodies-older-than to redact anyway")
        } else {
            milliseconds = Self.defaultAgeMilliseconds
        }
        let now = Timestamp(Date())
        let cutoff = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - milliseconds)
        try await configuration.withExisting { store in
            let report = try await storeCall { () async throws(StoreError) in
                try await store.retainBodies(RetentionRun(cutoff: cutoff, operatorName: operatorName), dryRun: dryRun)
            }
            if report.resumed > 0 {
                writeOut(dryRun ? "would first finish an interrupted run: \(report.resumed) bodies still to redact"
                    : "finished an interrupted run: \(report.resumed) bodies redacted")
            }
            switch (dryRun, report.count) {
            case (_, 0) where report.resumed > 0: writeOut("no new body recorded before \(cutoff.iso8601)")
            case (_, 0): writeOut("nothing to redact: no body recorded before \(cutoff.iso8601) is left")
            case (true, let count): writeOut("would redact \(count) bodies recorded before \(cutoff.iso8601)")
            case (false, let count):
                writeOut("redacted \(count) bodies recorded before \(cutoff.iso8601); retention.applied at position \(report.runPosition ?? 0)")
            }
        }
    }
}
