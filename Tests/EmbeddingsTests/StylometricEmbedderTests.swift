import Base
@testable import Embeddings
import Foundation
import Testing

@Suite struct StylometricEmbedderTests {
    let narrativeA = """
    The old lighthouse stood at the edge of the cliff, and its keeper climbed the stairs every evening. \
    He carried a lantern, a book and a small loaf of bread. The wind was cold, but he did not mind it. \
    When the light was burning, he sat by the window and watched the ships pass in the dark.
    """
    let narrativeB = """
    The old spaceship drifted at the edge of the nebula, and its pilot checked the engines every morning. \
    She carried a scanner, a map and a small flask of coffee. The hull was cold, but she did not mind it. \
    When the engines were humming, she sat by the console and watched the stars pass in the dark.
    """
    let dialogue = """
    "Where are you going?" I asked.
    "Out!" you shouted. "Don't wait for me!"
    "But it's late — really late..."
    "I know, I know. Just go to sleep, okay?"
    """

    func distance(_ a: [Float], _ b: [Float]) throws -> Double {
        let unit = try UnitVectors.normalize([a, b])
        return 1 - UnitVectors.dot(unit[0], unit[1])
    }

    @Test func deterministicAndFixedLength() throws {
        let e = StylometricEmbedder()
        let v = try e.embed([narrativeA, narrativeA, "", "Hi."])
        #expect(v.allSatisfy { $0.count == StylometricEmbedder.dimension })
        #expect(v[0] == v[1])
        #expect(v.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    @Test func separatesStyleNotTopic() throws {
        let e = StylometricEmbedder()
        let (a, b, d) = (e.vector(narrativeA), e.vector(narrativeB), e.vector(dialogue))
        let sameStyle = try distance(a, b), differentStyle = min(try distance(a, d), try distance(b, d))
        #expect(sameStyle < 0.5 * differentStyle, "narrative–narrative \(sameStyle) vs narrative–dialogue \(differentStyle)")
    }

    @Test func countsWhatItDocuments() {
        let c = StyleCounts("\"Hello, there,\" he said; she didn't answer — nothing... Why?\nNew line!")
        #expect(c.words == ["hello", "there", "he", "said", "she", "didn't", "answer", "nothing", "why", "new", "line"])
        #expect(c.dialogueWords == 2 && c.quotes == 2 && c.commas == 2 && c.semicolons == 1)
        #expect(c.dashes == 1 && c.ellipses == 1 && c.apostropheWords == 1)
        #expect(c.sentenceLengths == [8, 1, 2] && c.questions == 1 && c.exclamations == 1 && c.paragraphs == 2)
        #expect(StylometricEmbedder.movingTypeTokenRatio(["a", "b", "a", "b"], window: 2) == 1)
        #expect(StylometricEmbedder.movingTypeTokenRatio(["a", "a", "a"], window: 2) == 0.5)
    }
}
