import type { LanguageId } from "../lib/shared/languages.ts";

/** A few lines in each room language, enough for its mode to highlight something. */
export const CODE_SAMPLES: Readonly<Record<LanguageId, string>> = {
  javascript: `// Count words
function countWords(text) {
  const counts = new Map();
  for (const word of text.split(/\\s+/)) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}
`,
  typescript: `interface Point {
  x: number;
  y: number;
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
`,
  python: `def fib(n: int) -> int:
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
`,
  java: `public class Main {
    public static void main(String[] args) {
        System.out.println("Hello, Duet");
    }
}
`,
  go: `package main

import "fmt"

func main() {
	fmt.Println("Hello, Duet")
}
`,
  cpp: `#include <iostream>

int main() {
    std::cout << "Hello, Duet" << std::endl;
    return 0;
}
`,
  rust: `fn main() {
    let names = vec!["Ada", "Grace"];
    for name in &names {
        println!("Hello, {name}");
    }
}
`,
  sql: `SELECT room_id, count(*) AS updates
FROM room_updates
WHERE seq > 10
GROUP BY room_id
ORDER BY updates DESC;
`,
  html: `<!doctype html>
<html lang="en">
  <head>
    <style>
      body { font-family: sans-serif; color: #333; }
    </style>
  </head>
  <body>
    <h1 class="title">Hello, Duet</h1>
    <script>
      document.querySelector(".title").addEventListener("click", () => alert("hi"));
    </script>
  </body>
</html>
`,
  css: `.room {
  display: grid;
  grid-template-columns: 1fr 16rem;
  gap: 1rem;
}

@media (max-width: 40rem) {
  .room { grid-template-columns: 1fr; }
}
`,
  json: `{
  "name": "duet",
  "version": 1,
  "languages": ["python", "go"],
  "public": true
}
`,
  markdown: `# Duet

Edit code **together**, live. See [the docs](https://example.com/docs).

- Open a room
- Share the link

\`\`\`js
console.log("hi");
\`\`\`
`,
  plaintext: `Notes for the interview:
call at 10:00 (bring questions)
`,
};
