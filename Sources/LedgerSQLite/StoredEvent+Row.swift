import GRDB
import LedgerStore

extension StoredEvent {
    /// The columns, in the order ``init(row:)`` reads them by index (the fast path).
    static let selectColumns = columns.joined(separator: ", ")

    /// A row the log's constraints would never have stored (a NULL where a
    /// value must be: a damaged page) is the file's damage, said as such, not
    /// a crash: verify, doctor and export read every row this way.
    init(row: Row) throws(StoreError) {
        do {
            self.init(position: try row.decode(atIndex: 0), stream: try row.decode(atIndex: 1), version: try row.decode(atIndex: 2),
                      type: try row.decode(atIndex: 3), schemaVersion: try row.decode(atIndex: 4),
                      recordedAt: try row.decode(atIndex: 5), data: try row.decode(atIndex: 6),
                      dataSHA256: try row.decode(atIndex: 7), metadata: try row.decode(atIndex: 8),
                      idempotencyKey: try row.decode(atIndex: 9), prevHash: try row.decode(atIndex: 10),
                      hash: try row.decode(atIndex: 11))
        } catch {
            throw .corrupt("a row of events does not read as an event (\(error)): the file is damaged")
        }
    }

    static func fetchAll(_ statement: Statement, arguments: StatementArguments) throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { events.append(try StoredEvent(row: row)) }
        return events
    }
}
