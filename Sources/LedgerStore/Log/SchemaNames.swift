import Foundation

/// The tables and views a ledger's migrations create, read from their SQL:
/// how an engine tells, before an upgrade writes anything, a name another
/// application took from one the ledger made (an app's own `notifications`
/// table beside the ledger).
public enum SchemaNames {
    public typealias Migration = (identifier: String, sql: String)

    /// The tables and views `migrations` create.
    public static func created(by migrations: [Migration]) -> Set<String> {
        let pattern = try? NSRegularExpression(pattern: #"CREATE (?:TABLE|VIEW) (?:IF NOT EXISTS )?([a-z_]+)"#)
        var names: Set<String> = []
        for migration in migrations {
            let text = migration.sql as NSString
            for match in pattern?.matches(in: migration.sql, range: NSRange(location: 0, length: text.length)) ?? [] {
                names.insert(text.substring(with: match.range(at: 1)))
            }
        }
        return names
    }

    /// The applied migrations this build does not know, sorted: a newer
    /// ledger's, whose schema this one must not use.
    public static func unknown(_ applied: [String], migrations: [Migration]) -> [String] {
        applied.filter { identifier in !migrations.contains { $0.identifier == identifier } }.sorted()
    }

    /// The names among `relations` that the migrations not yet `applied`
    /// would create and no applied one made: another application's, sorted.
    public static func clashes(_ relations: Set<String>, migrations: [Migration], applied: Set<String>) -> [String] {
        let pending = migrations.filter { !applied.contains($0.identifier) }
        let made = migrations.filter { applied.contains($0.identifier) }
        return relations.intersection(created(by: pending)).subtracting(created(by: made)).sorted()
    }
}
