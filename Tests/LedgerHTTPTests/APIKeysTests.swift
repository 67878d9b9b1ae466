import LedgerHTTP
import Testing

/// `LEDGER_KEYS` as operators type it: a mistake is refused with a message
/// that names the entry by its place, never by its text (it reaches the
/// terminal and, under systemd, the journal).
@Suite struct APIKeysTests {
    static let secret = "0123456789abcdefghijklmnop"

    @Test(arguments: ["app=\(secret)", "admin \(secret)", "app:\(secret);admin:\(secret)Z", "app:\(secret) admin:\(secret)Z",
                      "app:\(secret),ops:\(secret)Z", "admin:\(secret.prefix(15))",
                      // One key under two roles took the role written last.
                      "app:\(secret),admin:\(secret)", "admin:\(secret),app:\(secret)"])
    func aMistypedEntryIsRefusedWithoutPrintingItsKey(_ text: String) {
        do {
            _ = try APIKeys(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            let message = String(describing: error)
            #expect(!message.contains(String(Self.secret.prefix(12))), "\(message)")
            #expect(message.contains("entry"), "\(message)")
        }
    }

    @Test func entriesSeparatedByCommasEachKeepTheirRole() throws {
        let keys = try APIKeys(parsing: " app:\(Self.secret)A , admin:\(Self.secret)B,auditor:\(Self.secret)C")
        #expect(keys.role(of: "\(Self.secret)A") == .app && keys.role(of: "\(Self.secret)B") == .admin)
        #expect(keys.role(of: "\(Self.secret)C") == .auditor && keys.role(of: Self.secret) == nil)
        #expect(try APIKeys(parsing: "app:\(Self.secret),app:\(Self.secret)").role(of: Self.secret) == .app, "written twice, one role")
    }
}
