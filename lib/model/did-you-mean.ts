import { closest, distance } from 'fastest-levenshtein';

/** The closest candidate to `word`, or undefined when nothing is plausibly a typo of it. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, [...candidates]);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or the empty string. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : `; did you mean '${best}'?`;
}
