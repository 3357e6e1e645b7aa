// Asking the operator for a secret on the terminal, without echoing it. No terminal (CI, a pipe) = no question:
// the value must then come from the environment.
import readline from "node:readline";

export type AskSecret = (question: string) => Promise<string | null>;

export const askOnTerminal: AskSecret = async (question) => {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Print the question, then swallow the echo of what is typed.
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  let asked = false;
  muted._writeToOutput = (s: string) => {
    if (!asked) process.stderr.write(s);
  };
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${question} `, resolve);
      asked = true;
    });
    process.stderr.write("\n");
    return answer.trim();
  } finally {
    rl.close();
  }
};
