import GRDB
import LedgerCore
import LedgerStore

/// The `projection_jobs` row (``JobState/columns``) through GRDB.
extension JobState {
    init(row: Row) {
        self.init(reading: row)
    }
}

extension Row: ColumnReader {
    public func text(_ column: String) -> String? { self[column] }
    public func integer(_ column: String) -> Int64? { self[column] }
}
