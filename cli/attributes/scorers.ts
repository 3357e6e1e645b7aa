// The judges of the simulated-user benchmark ("Attributes", docs/attributes-benchmark.md): seven transparent text
// rules, one per attribute, each giving a raw number where higher means the first pole. They read the response text
// only, live here, apart from the model code, and never feed the featurizer: the model only ever sees embeddings.
//
// Rates are per 100 words with 20 words of smoothing (so a two-word answer is not "extremely polite" because of one
// "please"), then signed-log compressed; raw scores are later standardised over the benchmark's responses
// (attributes/standardize.ts).

export interface Attribute {
  name: string;
  /** [high pole, low pole]: a user prefers one of them. */
  poles: [string, string];
  rule: string;
  score(text: string): number;
}

const words = (text: string): string[] => text.match(/[A-Za-z][A-Za-z']*/g) ?? [];
const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;
/** Signed log of a per-100-word rate: counts are heavy-tailed (one emoji-laden two-liner would otherwise dwarf
 * every other answer after standardisation), and the log keeps the order while taming the tail. */
const per100 = (hits: number, text: string): number => {
  const rate = (100 * hits) / (words(text).length + 20);
  return Math.sign(rate) * Math.log1p(Math.abs(rate));
};

const EMOJI = /\p{Extended_Pictographic}/gu;
const EXCLAMATION = /!/g;
const CONTRACTION = /\b[A-Za-z]+(?:n't|'re|'ve|'ll|'m|'d)\b|\b(?:it|that|there|here|what|let|who|he|she)'s\b/gi;
const CASUAL = /\b(?:hey|yeah|yep|nope|gonna|wanna|gotta|kinda|sorta|cool|awesome|stuff|okay|ok|lol|btw|guys|totally|super|pretty much|folks)\b/gi;
const FORMAL_CONNECTIVE = /\b(?:furthermore|moreover|therefore|consequently|thus|hence|additionally|nevertheless|nonetheless|regarding|whereas|accordingly|subsequently|notably|in conclusion|in summary)\b/gi;
const LONG_WORD = /\b[A-Za-z]{10,}\b/g;
const HUMOUR = /\b(?:haha|hehe|lol|lmao|rofl|jokes?|joking|kidding|funny|hilarious|puns?|punchline|laugh(?:s|ing|ed)?|giggle|witty|knock knock|why did the)\b|[;:]-?[)D]|[😂😄😅😉🤣😜😆😁😀]/giu;
const INVITATION = /\b(?:let me know|feel free to|do you (?:want|have|need)|would you like|if you have any (?:other |more |further )?questions|any (?:other |more |further )?questions|want me to|shall I|can I help|should I)\b/i;
const POLITE = /\b(?:please|thank(?:s| you)|you're welcome|happy to help|glad to help|I'd be happy|I would be happy|hope (?:this|that) helps|I apologi[sz]e|sorry|certainly|of course|great question|good question|my pleasure|kindly)\b/gi;
const ENTHUSIASTIC = /\b(?:amazing|awesome|fantastic|exciting|excited|love|wonderful|incredible|thrilled|delighted|fun|brilliant|superb|fabulous|can't wait|enjoy)\b/gi;
const CONFIDENT = /\b(?:definitely|certainly|clearly|undoubtedly|absolutely|surely|obviously|always|never|guaranteed|without (?:a )?doubt|no doubt|in fact)\b/gi;
const HEDGE = /\b(?:might|may|perhaps|possibly|maybe|could|likely|unlikely|probably|seems?|appears?|suggests?|generally|typically|usually|often|somewhat|I think|I believe|not sure|it depends|depending|approximately|roughly|can vary|varies)\b/gi;

/** The last sentence of a text (after trailing whitespace), to see whether the answer ends by asking something. */
function lastSentence(text: string): string {
  const trimmed = text.trim();
  const parts = trimmed.split(/(?<=[.!?])\s+|\n+/);
  return parts[parts.length - 1] ?? trimmed;
}

export const ATTRIBUTES: Attribute[] = [
  {
    name: "length",
    poles: ["verbose", "concise"],
    rule: "log(1 + number of words)",
    score: (t) => Math.log1p(words(t).length),
  },
  {
    name: "formality",
    poles: ["formal", "casual"],
    rule: "signed log1p of, per 100 words: formal connectives + 0.2 x words of 10+ letters - contractions - casual words - '!' - emoji",
    score: (t) =>
      per100(count(t, FORMAL_CONNECTIVE) + 0.2 * count(t, LONG_WORD) - count(t, CONTRACTION) - count(t, CASUAL) - count(t, EXCLAMATION) - count(t, EMOJI), t),
  },
  {
    name: "humour",
    poles: ["humorous", "serious"],
    rule: "signed log1p of, per 100 words: jokes/laughter words, smileys and laughing emoji",
    score: (t) => per100(count(t, HUMOUR), t),
  },
  {
    name: "elicitation",
    poles: ["asks-back", "no-ask"],
    rule: "1 if the last sentence is a question; 0.5 if the last 300 characters invite a follow-up ('let me know', 'would you like', ...); else 0",
    score: (t) => (lastSentence(t).endsWith("?") ? 1 : INVITATION.test(t.trim().slice(-300)) ? 0.5 : 0),
  },
  {
    name: "politeness",
    poles: ["polite", "blunt"],
    rule: "signed log1p of, per 100 words: please, thank you, happy to help, hope this helps, sorry, certainly, ...",
    score: (t) => per100(count(t, POLITE), t),
  },
  {
    name: "enthusiasm",
    poles: ["enthusiastic", "reserved"],
    rule: "signed log1p of, per 100 words: '!' + enthusiastic words (amazing, fantastic, love, ...) + emoji",
    score: (t) => per100(count(t, EXCLAMATION) + count(t, ENTHUSIASTIC) + count(t, EMOJI), t),
  },
  {
    name: "confidence",
    poles: ["confident", "hedging"],
    rule: "signed log1p of, per 100 words: confident words (definitely, clearly, always, ...) - hedges (might, perhaps, usually, ...)",
    score: (t) => per100(count(t, CONFIDENT) - count(t, HEDGE), t),
  },
];

export const rawScores = (text: string): number[] => ATTRIBUTES.map((a) => a.score(text));
