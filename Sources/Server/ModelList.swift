/// `GET /v1/models`: the served model, and the conformative base model when one is loaded.
struct ModelList: Encodable, Sendable {
    let object = "list"
    let data: [Card]

    struct Card: Encodable, Sendable {
        let id: String
        let object = "model"
        let created: Int
        let ownedBy = "divtune"
        /// DivTune's extension, only on the base model's card.
        let divtuneRole: String?

        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by", divtuneRole = "divtune_role" }
    }
}
