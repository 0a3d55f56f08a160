import { read } from './helpers';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** A small reading of a Dockerfile (comments dropped, `\` continuations joined), split into build stages. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let current: Instruction | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === null)) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trimEnd() : line;
    if (current) current.args += ` ${body}`;
    else {
      const [keyword = '', ...rest] = body.split(/\s+/);
      current = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: i + 1 };
    }
    if (!continued) {
      instructions.push(current);
      current = null;
    }
  });
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m?.[1]) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ name: m[2] ?? String(stages.length), from: m[1], instructions: [] });
    } else if (stages.length === 0) {
      const m = /^ARG\s+(\w+)=(\S+)$/.exec(`${ins.keyword} ${ins.args}`);
      if (m?.[1] && m[2]) args[m[1]] = m[2];
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { args, stages };
}

export const dockerfileText = () => read('docker/Dockerfile');
export const dockerfile = () => parseDockerfile(dockerfileText());

export function stage(name: string): Stage {
  const s = dockerfile().stages.find((x) => x.name === name);
  if (!s) throw new Error(`docker/Dockerfile has no stage ${name}`);
  return s;
}

/** The arguments of every instruction of one kind in a stage. */
export const all = (s: Stage, keyword: string) =>
  s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** The shell command of a stage's HEALTHCHECK (`HEALTHCHECK [flags] CMD command`). */
export function healthcheckCommand(s: Stage): string {
  const [hc] = all(s, 'HEALTHCHECK');
  const m = hc ? /^(?:--\S+\s+)*CMD\s+(.+)$/.exec(hc) : null;
  if (!m?.[1]) throw new Error(`stage ${s.name} has no HEALTHCHECK CMD`);
  return m[1];
}
