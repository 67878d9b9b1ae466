import GRDB
import LedgerCore

/// An account's balance (the `accounts` view).
public struct AccountBalance: Sendable, Hashable {
    public var account: String
    public var charged: Int64
    public var refunded: Int64
    public var recharged: Int64
    /// `charged - refunded + recharged`.
    public var net: Int64
}

extension SQLiteEventStore {
    public func account(_ account: String) async throws(StoreError) -> AccountBalance? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT charged, refunded, recharged, net FROM accounts WHERE account = ?",
                             arguments: [account])
                .map { AccountBalance(account: account, charged: $0[0], refunded: $0[1], recharged: $0[2], net: $0[3]) }
        }
    }

    /// The rows of the `provider_health` view, column for column, by provider.
    public func providerHealth() async throws(StoreError) -> [JSONValue] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM provider_health ORDER BY provider").map(Self.jsonObject)
        }
    }

    static func jsonObject(_ row: Row) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .int64(let number): members[column] = .int(number)
            case .double(let number): members[column] = .double(number)
            case .string(let text): members[column] = .string(text)
            case .null, .blob: members[column] = .null
            }
        }
        return .object(members)
    }
}
