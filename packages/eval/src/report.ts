import { DATASETS, type MetricName } from './datasets.js';
import { describeMode } from './modes.js';
import type { EvalManifest, EvalRecord } from './run.js';
import { meanInterval, passAtK, wilsonInterval, type Interval } from './stats.js';

export interface DatasetSummary {
  readonly source: string;
  readonly name: string;
  readonly metric: MetricName;
  /** Problems (not samples). */
  readonly n: number;
  readonly samples: number;
  readonly meanScore: number;
  readonly scoreCi: Interval;
  readonly accuracy: number;
  readonly accuracyCi: Interval;
  /** QA only: mean exact match and F1. */
  readonly em?: number;
  readonly f1?: number;
  /** pass@k for k = 1 … samples (unbiased estimator), by k. */
  readonly passAtK: Readonly<Record<string, number>>;
  readonly finishedRate: number;
  readonly meanRounds: number;
  readonly meanTokens: number;
  readonly totalTokens: number;
  readonly errors: number;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function summarize(records: readonly EvalRecord[]): DatasetSummary[] {
  const bySource = new Map<string, EvalRecord[]>();
  for (const r of records) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  return [...bySource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, list]) => {
      const byProblem = new Map<string, EvalRecord[]>();
      for (const r of list) byProblem.set(r.id, [...(byProblem.get(r.id) ?? []), r]);
      const samples = Math.min(...[...byProblem.values()].map((l) => l.length));
      // Per-problem means, so a problem with several samples counts once.
      const problemScores = [...byProblem.values()].map((l) => mean(l.map((r) => r.score)));
      const firstSamples = [...byProblem.values()].map((l) => l.find((r) => (r.sample ?? 0) === 0) ?? (l[0] as EvalRecord));
      const passes: Record<string, number> = {};
      for (let k = 1; k <= samples; k++) passes[String(k)] = mean([...byProblem.values()].map((l) => passAtK(l.length, l.filter((r) => r.correct).length, k)));
      const qa = list.some((r) => r.em !== undefined);
      const correctFirst = firstSamples.filter((r) => r.correct).length;
      return {
        source,
        name: DATASETS[source]?.name ?? source,
        metric: list[0]?.metric ?? 'f1',
        n: byProblem.size,
        samples,
        meanScore: mean(problemScores),
        scoreCi: meanInterval(problemScores),
        accuracy: correctFirst / Math.max(1, firstSamples.length),
        accuracyCi: wilsonInterval(correctFirst, firstSamples.length),
        ...(qa ? { em: mean(list.map((r) => r.em ?? 0)), f1: mean(list.map((r) => r.f1 ?? 0)) } : {}),
        passAtK: passes,
        finishedRate: mean(list.map((r) => (r.finished ? 1 : 0))),
        meanRounds: mean(list.map((r) => r.rounds)),
        meanTokens: mean(list.map((r) => r.tokens)),
        totalTokens: list.reduce((a, r) => a + r.tokens, 0),
        errors: list.filter((r) => r.error !== undefined).length,
      };
    });
}

const pct = (x: number): string => (x * 100).toFixed(1);
const ci = (i: Interval): string => `[${pct(i.low)}, ${pct(i.high)}]`;

/** Markdown report of one run, or of a run against a baseline. */
export function markdownReport(records: readonly EvalRecord[], manifest: EvalManifest, baseline?: { records: readonly EvalRecord[]; manifest: EvalManifest }): string {
  const rows = summarize(records);
  const lines = [
    `# Evaluation: ${manifest.policy}`,
    '',
    `executor: ${manifest.executor} · data hash ${manifest.dataHash.slice(0, 12)} · seed ${manifest.seed} · samples ${manifest.samples} · sandbox ${manifest.sandbox}`,
    `metric mode: ${describeMode(manifest.metricMode)} (metric version ${manifest.metricVersion})`,
    '',
  ];
  if (baseline === undefined) {
    const maxK = Math.max(1, ...rows.map((r) => r.samples));
    const passHeaders = maxK > 1 ? Array.from({ length: maxK }, (_, i) => `pass@${i + 1}`) : [];
    lines.push(`| dataset | metric | n | score | 95% CI | accuracy | 95% CI | EM | F1 |${passHeaders.map((h) => ` ${h} |`).join('')} finished | rounds | tokens |`);
    lines.push(`|---|---|---:|---:|---|---:|---|---:|---:|${passHeaders.map(() => '---:|').join('')}---:|---:|---:|`);
    for (const r of rows) {
      const passCells = passHeaders.map((_, i) => ` ${r.passAtK[String(i + 1)] === undefined ? '–' : pct(r.passAtK[String(i + 1)] as number)} |`).join('');
      lines.push(`| ${r.name} | ${r.metric} | ${r.n} | ${pct(r.meanScore)} | ${ci(r.scoreCi)} | ${pct(r.accuracy)} | ${ci(r.accuracyCi)} | ${r.em === undefined ? '–' : pct(r.em)} | ${r.f1 === undefined ? '–' : pct(r.f1)} |${passCells} ${pct(r.finishedRate)} | ${r.meanRounds.toFixed(1)} | ${Math.round(r.meanTokens)} |`);
    }
    const allProblems = rows.reduce((a, r) => a + r.n, 0);
    lines.push('', `${allProblems} problems; intervals are Wilson (0/1 scores) or mean ± 1.96·s/√n (graded scores). Tokens are per problem, counted to the episode that spent them.`);
    if (manifest.metricMode === 'reference') lines.push('', 'These numbers reproduce the reference evaluator (eval_only.py) with its known false positives; do not compare them with official scores or use them as rewards.');
    return lines.join('\n');
  }
  const base = new Map(summarize(baseline.records).map((r) => [r.source, r]));
  if (baseline.manifest.metricMode !== manifest.metricMode) lines.push(`warning: the baseline was scored in ${baseline.manifest.metricMode} mode, this run in ${manifest.metricMode} mode`, '');
  lines.push(`compared with: ${baseline.manifest.policy}`, '', '| dataset | metric | n | score | 95% CI | baseline | 95% CI | Δ | tokens | baseline tokens |', '|---|---|---:|---:|---|---:|---|---:|---:|---:|');
  for (const r of rows) {
    const b = base.get(r.source);
    lines.push(`| ${r.name} | ${r.metric} | ${r.n} | ${pct(r.meanScore)} | ${ci(r.scoreCi)} | ${b === undefined ? '–' : pct(b.meanScore)} | ${b === undefined ? '–' : ci(b.scoreCi)} | ${b === undefined ? '–' : `${r.meanScore >= b.meanScore ? '+' : ''}${pct(r.meanScore - b.meanScore)}`} | ${Math.round(r.meanTokens)} | ${b === undefined ? '–' : Math.round(b.meanTokens)} |`);
  }
  return lines.join('\n');
}
