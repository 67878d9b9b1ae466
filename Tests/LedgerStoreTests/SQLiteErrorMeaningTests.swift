import GRDB
@testable import LedgerSQLite
import LedgerStore
import Testing

/// What each SQLite failure means to a caller: retry later, or an operator's
/// turn. A damaged page that SQLite reports as a record too big to read was
/// answered "retry later" (503 with `Retry-After`) on every read that met it.
@Suite struct SQLiteErrorMeaningTests {
    @Test func aRecordTooBigToReadIsDamageNotATransientFailure() {
        let damaged = StoreError(DatabaseError(resultCode: .SQLITE_TOOBIG, message: "string or blob too big"))
        guard case .corrupt(let detail) = damaged else { Issue.record("\(damaged)"); return }
        #expect(damaged.needsOperator && detail.contains("damaged page"), "\(detail)")
        for (code, needsOperator) in [(ResultCode.SQLITE_CORRUPT, true), (.SQLITE_NOTADB, true), (.SQLITE_FULL, false),
                                      (.SQLITE_IOERR, false), (.SQLITE_BUSY, false)] {
            #expect(StoreError(DatabaseError(resultCode: code)).needsOperator == needsOperator, "\(code)")
        }
    }

    /// A guard or constraint that refuses the ledger's own write is the storage's
    /// refusal (a 503 the sender retries), as PostgreSQL's 23xxx are, never the
    /// request's fault: a 400 ended a provider's retries, and its webhook was lost.
    @Test func aRefusedWriteIsTheStoragesRefusalNotABadRequest() {
        for code in [ResultCode.SQLITE_CONSTRAINT_TRIGGER, .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_CHECK] {
            let refused = StoreError(DatabaseError(resultCode: code, message: "events: an insert must take the next position"))
            guard case .storageRefused(let detail) = refused else { Issue.record("\(code): \(refused)"); continue }
            #expect(detail.contains("refused the write"))
        }
    }
}
