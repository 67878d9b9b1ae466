import Foundation
import LedgerProviders
import LedgerHTTP
import LedgerPostgres

/// What `ledger serve` uses when it is given no configuration at all (no
/// `--config`, no `LEDGER_KEYS`): a configuration file beside the database,
/// created once with random API keys and provider secrets, readable by its
/// owner only. It is an ordinary `--config` file, so `ledger sign --config`
/// reads the same secrets to sign test webhooks.
enum DevelopmentConfiguration {
    static let fileName = "ledger-dev.json"

    /// The file's path, creating it if it does not exist yet.
    static func ensure(besideDatabase databasePath: String) throws(ConfigurationError) -> String {
        // A PostgreSQL ledger has no folder: the file goes in the working directory.
        let folder = PostgresLocation.isPostgresURL(databasePath)
            ? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            : URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        let path = folder.appendingPathComponent(fileName).path
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        guard FileManager.default.createFile(atPath: path, contents: Data(generate().utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set, and \(path) cannot be written for development keys")
        }
        return path
    }

    private static func generate() -> String {
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }
        func hex(_ count: Int) -> String { random(count).map { String(format: "%02x", $0) }.joined() }
        let whsec = { "whsec_" + Data(random(24)).base64EncodedString() }
        return """
            {
              "keys": "\(APIKeys.generateDevelopmentKeys())",
              "providers": {
                "standard": {"secret": "\(whsec())"},
                "replicate": {"secret": "\(whsec())"},
                "wavespeed": {"secret": "wavespeed_\(hex(16))"},
                "nca": {"secret": "nca_\(hex(16))"}
              }
            }

            """
    }
}
