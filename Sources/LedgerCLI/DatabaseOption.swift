import ArgumentParser
import Foundation
import LedgerStore

/// `--db PATH`, shared by every command: default `LEDGER_DB`, else `./ledger.sqlite`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "The ledger database (default: $LEDGER_DB, else ./ledger.sqlite).")
    var path: String?

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["LEDGER_DB"] ?? "./ledger.sqlite"
    }

    /// Opens an existing ledger; a command that reads never creates one.
    func openExisting(options: StoreOptions = StoreOptions()) throws -> any LedgerEngine {
        guard FileManager.default.fileExists(atPath: resolvedPath) else {
            throw CommandFailure(.unusableDatabase, "no ledger at \(resolvedPath); pass --db or set LEDGER_DB")
        }
        return try open(options: options)
    }

    func open(options: StoreOptions = StoreOptions()) throws -> any LedgerEngine {
        do {
            return try SQLiteEventStore(path: resolvedPath, options: options)
        } catch {
            throw CommandFailure(error)
        }
    }
}

/// `--format`, for read commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Progress for long commands goes to stderr, so stdout stays machine-readable.
func reportProgress(_ label: String) -> @Sendable (Int64) -> Void {
    { count in FileHandle.standardError.write(Data("\(label): \(count) events\n".utf8)) }
}

func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func storeCall<T>(_ body: () async throws(StoreError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw CommandFailure(error)
    }
}
