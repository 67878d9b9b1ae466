import ArgumentParser
import Foundation
import LedgerStore

/// The `ledger` command line: the composition root of the offline tools.
public struct Ledger: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Completion Ledger: an append-only, hash-chained log of async job completion.",
        discussion: """
            Exit codes: 0 ok; 1 a check failed (verify, rebuild --check, an import that
            does not verify); 2 usage error (bad arguments or configuration, a command the
            ledger refuses); 3 the database cannot be used (damaged, locked, full disk, a
            path that cannot hold it); 4 the file is not this ledger's to open (another
            application's SQLite database, or one migrated by a newer ledger: nothing is
            written to it); 5 serve cannot listen (the address is in use or cannot be
            bound).

            Example:
              ledger replay job_42 --format json
            """,
        version: LedgerVersion.text,
        subcommands: [
            ServeCommand.self, ReplayCommand.self, RebuildCommand.self, VerifyCommand.self,
            QueryCommand.self, ExportCommand.self, ImportCommand.self, SignCommand.self, SendCommand.self,
            PollCommand.self, WatchdogCommand.self, NotifyCommand.self, RedriveCommand.self, AuditCommand.self,
            DoctorCommand.self, CheckpointCommand.self, ProveCommand.self, CheckProofCommand.self, RetainCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line with the documented exit codes.
    public static func runMain() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("ledger: \(failure.message)\n".utf8))
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code == .failure {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue)
        }
    }
}

/// The exit codes every command documents.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case checkFailed = 1
    case usage = 2
    case unusableDatabase = 3
    /// Another application's database, or a ledger migrated by a newer version: not touched.
    case foreignDatabase = 4
    /// `serve` could not listen on its address.
    case cannotListen = 5

    /// The exit code a store error means: what the user must do differs.
    init(_ error: StoreError) {
        switch error {
        case .notALedger, .foreignObjects, .newerLedger: self = .foreignDatabase
        case .refused, .invalidRequest, .externalIDTaken, .idempotencyKeyReused, .wrongExpectedVersion: self = .usage
        case .importRejected, .leaseLost: self = .checkFailed
        case .storageUnavailable, .storageRefused, .corrupt, .damagedTree, .durabilityNotApplied, .cannotOpen, .cannotConnect, .unexpected:
            self = .unusableDatabase
        }
    }
}

/// An error a command reports with a sentence and an exit code.
struct CommandFailure: Error {
    var code: ExitStatus
    var message: String

    init(_ code: ExitStatus, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: StoreError) {
        self.init(ExitStatus(error), error.description)
    }
}
