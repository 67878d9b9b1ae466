import ArgumentParser
import Foundation
import LedgerPostgres
import LedgerSQLite
import LedgerStore

/// `ledger query "<SQL>"`.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run read-only SQL over the projections and the log.",
        discussion: """
            The connection is read-only, so SQLite itself refuses writes; ATTACH, DETACH
            and PRAGMAs that set anything are denied; a query past its time budget is
            stopped. Views: jobs, accounts, provider_health, stuck_jobs, orphans,
            unknown_statuses, and the events table.

            Example:
              ledger query --format csv \\
                  "SELECT status, count(*) FROM jobs GROUP BY status"
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @OptionGroup var database: DatabaseOption
    @Argument(help: "One SQL statement.") var sql: String
    @Option(help: "table, csv or json (an array of objects; a column of numbers as JSON numbers).")
    var format = Format.table
    @Option(name: .customLong("timeout-ms"), help: "The time budget in milliseconds.") var timeoutMilliseconds = 5000

    func validate() throws {
        guard (1...600_000).contains(timeoutMilliseconds) else { throw ValidationError("--timeout-ms must be 1 to 600000") }
        guard !sql.allSatisfy(\.isWhitespace) else { throw ValidationError("give one SQL statement, e.g. \"SELECT * FROM jobs LIMIT 10\"") }
    }

    func run() async throws {
        let configuration = try database.configuration()
        if PostgresLocation.isPostgresURL(configuration.databaseLocation) {
            let result = try await configuration.withExisting { engine in
                guard let store = engine as? PostgresEventStore else { preconditionFailure("a URL opens PostgreSQL") }
                do {
                    return try await store.query(sql, budgetMilliseconds: timeoutMilliseconds)
                } catch QueryFailure.cannotOpen(let detail) {
                    throw CommandFailure(.unusableDatabase, "cannot query \(databaseLabel(configuration.databaseLocation)): \(detail)")
                } catch {
                    throw CommandFailure(.usage, "\(error)")
                }
            }
            return print(result)
        }
        guard FileManager.default.fileExists(atPath: configuration.databaseLocation) else {
            throw CommandFailure(.unusableDatabase, "no ledger at \(configuration.databaseLocation); pass --db or set LEDGER_DB")
        }
        let query = ReadOnlyQuery(path: configuration.databaseLocation, timeBudgetMilliseconds: timeoutMilliseconds)
        let result: ReadOnlyQuery.Result
        do {
            result = try query.run(sql)
        } catch .cannotOpen(let detail) {
            throw CommandFailure(.unusableDatabase, "cannot open \(configuration.databaseLocation) read-only: \(detail)")
        } catch {
            // The statement is the user's: refused, too slow, too large or wrong SQL is a usage error.
            throw CommandFailure(.usage, error.description)
        }
        print(result)
    }

    private func print(_ result: ReadOnlyQuery.Result) {
        switch format {
        case .table: writeOut(TableRenderer.table(result))
        case .csv: writeOut(TableRenderer.csv(result))
        case .json: writeOut(TableRenderer.json(result))
        }
    }
}
