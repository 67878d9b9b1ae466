import ArgumentParser
import Foundation
import LedgerPostgres
import LedgerStore

/// `ledger export [--after N]`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log as JSON lines to stdout.",
        discussion: """
            One event per line with every column; data and metadata stay the stored text,
            so `ledger import` can verify the chain byte for byte.

            Example:
              ledger export --after 1000 > tail.jsonl
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "Export events after this position.") var after: Int64 = 0

    func validate() throws {
        if after < 0 { throw ValidationError("--after must be 0 or more") }
    }

    func run() async throws {
        let configuration = try database.configuration()
        let count = try await configuration.withExisting { store in
            try await storeCall { () async throws(StoreError) in try await store.export(after: after, to: FileHandle.standardOutput) }
        }
        FileHandle.standardError.write(Data("exported \(count) events\n".utf8))
    }
}

/// `ledger import <file>`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append exported JSON lines to a ledger, verifying the chain.",
        discussion: """
            The lines must continue the target's chain (an empty ledger takes an export
            from position 1). Every hash is recomputed; one bad line rejects the whole
            file and exits 1. The projections are rebuilt afterwards. On SQLite it refuses
            (exit 3) while serve holds the file.

            Examples:
              ledger import --db copy.sqlite all.jsonl
              ledger export --db ledger.sqlite \\
                  | ledger import --db postgres://ledger@db.internal/ledger
            """
    )

    @OptionGroup var database: DatabaseOption
    @Argument(help: "A file written by `ledger export`; - or none reads standard input.") var file = "-"

    func run() async throws {
        let configuration = try database.configuration()
        if file != "-", !FileManager.default.fileExists(atPath: file) { throw CommandFailure(.usage, "\(file): no such file") }
        let bytes = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
        guard let bytes, let text = String(data: bytes, encoding: .utf8) else {
            throw CommandFailure(.usage, "cannot read \(file == "-" ? "standard input" : file) as UTF-8 text")
        }
        if !PostgresLocation.isPostgresURL(configuration.databaseLocation) {
            // Its appends move the head a running serve decides against, and it rebuilds serve's tables.
            try ServeLock.hold(sqliteDatabase: configuration.databaseLocation, for: "import")
        }
        try await configuration.withLedger { store in
            do {
                let count = try await store.importEvents(lines: text.split(separator: "\n").map(String.init))
                writeOut("imported \(count) events")
            } catch StoreError.importRejected(let line, let detail) {
                throw CommandFailure(.checkFailed, StoreError.importRejected(line: line, detail: detail).description)
            } catch let error as StoreError {
                throw CommandFailure(error)
            }
        }
    }
}
