/// One preference example as written to TRL preference JSONL.
///
/// `scoreChosen` / `scoreRejected` follow the reference pipeline's convention: the raw quality
/// scores when no deviation is computed (`2_data_prep_to_preference.py` output), the deviations
/// δ when it is (`3_data_prep_for_diversified_training.py` overwrites them), so that a DDPO/DORPO
/// trainer reading `score_chosen + 1` gets the weight. `weight` states it explicitly:
/// `w = δ_chosen + 1` (1 without deviation and for DivPO pairs, which train with plain DPO).
public struct PreferencePair: Hashable, Sendable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var scoreChosen: Double
    public var scoreRejected: Double
    public var weight: Double

    public init(prompt: String, chosen: String, rejected: String, scoreChosen: Double, scoreRejected: Double, weight: Double = 1) {
        self.prompt = prompt; self.chosen = chosen; self.rejected = rejected
        self.scoreChosen = scoreChosen; self.scoreRejected = scoreRejected; self.weight = weight
    }
}
