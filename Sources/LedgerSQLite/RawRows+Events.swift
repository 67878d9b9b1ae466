import GRDB
import LedgerCore
import LedgerStore

extension RawRows {
    /// Rows of `sql` on `db`'s own connection, through its statement cache.
    init(_ db: Database, sql: String) throws {
        guard let connection = db.sqliteConnection else { throw StoreError.storageUnavailable("the connection is closed") }
        let statement = try db.cachedStatement(sql: sql)
        self.init(connection: connection, statement: statement.sqliteStatement, owner: statement)
    }

    /// The current row of a `SELECT` of ``StoredEvent/selectColumns``.
    func storedEvent() -> StoredEvent {
        StoredEvent(position: int64(0), stream: text(1), version: int64(2), type: text(3), schemaVersion: Int(int64(4)),
                    recordedAt: text(5), data: text(6), dataSHA256: text(7), metadata: text(8),
                    idempotencyKey: isNull(9) ? nil : text(9), prevHash: text(10), hash: text(11))
    }

    /// The event and time of the current row, decoded from SQLite's buffers.
    /// `typeColumn`, `versionColumn`, `timeColumn` and `dataColumn` say where they are.
    func foldInput(_ codec: EventCodec, position: Int64, typeColumn: Int32, schemaVersionColumn: Int32,
                   timeColumn: Int32, dataColumn: Int32, foldOnly: Bool = false) throws -> (event: LedgerEvent, at: Timestamp) {
        guard let type = EventType(utf8: bytes(typeColumn)) else {
            throw StoreError.corrupt("event at position \(position): unknown type \(text(typeColumn))")
        }
        guard let at = Timestamp(utf8: bytes(timeColumn)) else {
            throw StoreError.corrupt("event at position \(position): recorded_at is not a UTC time")
        }
        do {
            let event = try codec.decode(type: type, schemaVersion: Int(int64(schemaVersionColumn)), utf8: bytes(dataColumn),
                                         foldOnly: foldOnly)
            return (event, at)
        } catch {
            throw StoreError.corrupt("event at position \(position): \(error)")
        }
    }
}
