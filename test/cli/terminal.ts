// A small VT100 screen for tests: replays what a program wrote to a terminal (printable text with
// auto-wrap, CR/LF, cursor movement, erase in line/display) and returns the scrollback plus the
// screen, as a user would see them after the program ends.

export function renderTerminal(output: string, cols: number, rows: number): string[] {
  const blank = () => new Array<string>(cols).fill(" ");
  let screen: string[][] = Array.from({ length: rows }, blank);
  const history: string[] = [];
  let row = 0;
  let col = 0;
  let pendingWrap = false;
  const lineFeed = () => {
    if (row === rows - 1) {
      history.push(screen[0]!.join("").trimEnd());
      screen = [...screen.slice(1), blank()];
    } else row++;
  };
  const clamp = () => {
    row = Math.max(0, Math.min(rows - 1, row));
    col = Math.max(0, Math.min(cols - 1, col));
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === "\x1b") {
      const m = /^\x1b\[([?]?)([\d;]*)([A-Za-z])/.exec(output.slice(i, i + 16));
      if (!m) continue;
      i += m[0].length - 1;
      if (m[1] === "?") continue; // cursor visibility, synchronized output
      const n = m[2] === "" ? 1 : Number(m[2]!.split(";")[0]);
      pendingWrap = false;
      switch (m[3]) {
        case "A":
          row -= n;
          break;
        case "B":
          row += n;
          break;
        case "C":
          col += n;
          break;
        case "D":
          col -= n;
          break;
        case "G":
          col = n - 1;
          break;
        case "E":
          row += n;
          col = 0;
          break;
        case "F":
          row -= n;
          col = 0;
          break;
        case "K": {
          const mode = m[2] === "" ? 0 : Number(m[2]);
          for (let c = mode === 0 ? col : 0; c < (mode === 1 ? col + 1 : cols); c++) screen[row]![c] = " ";
          break;
        }
        case "J": {
          const mode = m[2] === "" ? 0 : Number(m[2]);
          if (mode === 0) {
            for (let c = col; c < cols; c++) screen[row]![c] = " ";
            for (let r = row + 1; r < rows; r++) screen[r] = blank();
          } else if (mode === 2) screen = Array.from({ length: rows }, blank);
          break;
        }
        default:
          break; // SGR colours and the like change nothing visible here
      }
      clamp();
      continue;
    }
    if (ch === "\r") {
      col = 0;
      pendingWrap = false;
    } else if (ch === "\n") {
      pendingWrap = false;
      lineFeed();
    } else if (ch >= " ") {
      if (pendingWrap) {
        col = 0;
        lineFeed();
        pendingWrap = false;
      }
      screen[row]![col] = ch;
      if (col === cols - 1) pendingWrap = true;
      else col++;
    }
  }
  return [...history, ...screen.map((r) => r.join("").trimEnd())];
}
