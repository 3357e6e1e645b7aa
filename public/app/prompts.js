// The shipped AlpacaEval prompts and their real responses (public/data/prompts.json), loaded once.

let loading;

/** @returns {Promise<{ source: string, license: string, prompts: { id: string, prompt: string, responses: { generator: string, text: string }[] }[] }>} */
export function loadPrompts() {
  loading ??= fetch("/data/prompts.json").then((res) => {
    if (!res.ok) throw new Error(`could not load /data/prompts.json (${res.status})`);
    return res.json();
  });
  // A failed load is retried on the next call rather than cached forever.
  loading.catch(() => (loading = undefined));
  return loading;
}

/**
 * Which shipped prompt the n-th onboarding question uses. A stride coprime with the count walks every prompt
 * once per cycle while mixing the kinds (code, maths, letters, reviews) instead of taking them in file order.
 */
export function onboardingPromptIndex(n, count) {
  let stride = 7;
  while (gcd(stride, count) !== 1) stride++;
  return (n * stride) % count;
}

const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
