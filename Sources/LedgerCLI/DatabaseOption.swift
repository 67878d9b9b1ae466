import ArgumentParser
import Foundation
import LedgerPostgres
import LedgerSQLite
import LedgerStore
import Logging

/// `--db PATH|URL`, shared by every command: default `LEDGER_DB`, else
/// `./ledger.sqlite`. A `postgres://` URL is a PostgreSQL ledger; anything
/// else is a SQLite file.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"),
            help: "The ledger: a SQLite file or a postgres:// URL (default: $LEDGER_DB, else ./ledger.sqlite).")
    var path: String?

    /// The configuration this command runs with, read once: `--db` wins over
    /// `LEDGER_DB` and the file's `db`.
    func configuration(file: String? = nil) throws -> LedgerConfiguration {
        try LedgerConfiguration.load(databaseFlag: path, file: file)
    }
}

extension LedgerConfiguration {
    /// Opens an existing ledger; a command that reads never creates a SQLite
    /// file (a PostgreSQL database exists already: its tables are created on
    /// first open).
    func openExisting(options: StoreOptions = StoreOptions()) async throws -> any LedgerEngine {
        guard PostgresLocation.isPostgresURL(databaseLocation) || FileManager.default.fileExists(atPath: databaseLocation) else {
            throw CommandFailure(.unusableDatabase, "no ledger at \(databaseLocation); pass --db or set LEDGER_DB")
        }
        return try await open(options: options)
    }

    /// Runs `body` with the existing ledger opened, and closes it after,
    /// whatever `body` did: a command closes what it opened.
    func withExisting<T>(options: StoreOptions = StoreOptions(),
                         _ body: (any LedgerEngine) async throws -> T) async throws -> T {
        let engine = try await openExisting(options: options)
        do {
            let value = try await body(engine)
            await engine.close()
            return value
        } catch {
            await engine.close()
            throw error
        }
    }

    /// The same, creating the ledger when it is not there yet (import).
    func withLedger<T>(options: StoreOptions = StoreOptions(), _ body: (any LedgerEngine) async throws -> T) async throws -> T {
        let engine = try await open(options: options)
        do {
            let value = try await body(engine)
            await engine.close()
            return value
        } catch {
            await engine.close()
            throw error
        }
    }

    func open(options: StoreOptions = StoreOptions()) async throws -> any LedgerEngine {
        do {
            return try await openEngine(databaseLocation, options: options)
        } catch {
            throw CommandFailure(error)
        }
    }
}

/// The engine `location` names: PostgreSQL for a `postgres://` URL, else a SQLite file.
func openEngine(_ location: String, options: StoreOptions,
                logger: Logger = PostgresEventStore.quietLogger) async throws(StoreError) -> any LedgerEngine {
    if PostgresLocation.isPostgresURL(location) {
        return try await PostgresEventStore.open(url: location, options: options, logger: logger)
    }
    return try SQLiteEventStore(path: location, options: options)
}

/// Where the ledger is, for logs and messages: a PostgreSQL URL without its password.
func databaseLabel(_ location: String) -> String {
    PostgresLocation.redacted(location)
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
