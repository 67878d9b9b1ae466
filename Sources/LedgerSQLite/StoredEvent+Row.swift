import GRDB
import LedgerStore

extension StoredEvent {
    /// The columns, in the order ``init(row:)`` reads them by index (the fast path).
    static let selectColumns = columns.joined(separator: ", ")

    init(row: Row) {
        self.init(position: row[0], stream: row[1], version: row[2], type: row[3], schemaVersion: row[4],
                  recordedAt: row[5], data: row[6], dataSHA256: row[7], metadata: row[8], idempotencyKey: row[9],
                  prevHash: row[10], hash: row[11])
    }

    static func fetchAll(_ statement: Statement, arguments: StatementArguments) throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { events.append(StoredEvent(row: row)) }
        return events
    }
}
