extension JobRegistered {
    /// The names of the fields in which `other` differs, in wire spelling,
    /// so that a 409 can say exactly what changed.
    public func differences(from other: JobRegistered) -> [String] {
        var fields: [String] = []
        if account != other.account { fields.append("account") }
        if provider != other.provider { fields.append("provider") }
        if operation != other.operation { fields.append("operation") }
        if cost != other.cost { fields.append("cost") }
        if externalID != other.externalID { fields.append("external_id") }
        if metadata != other.metadata { fields.append("metadata") }
        return fields
    }
}
