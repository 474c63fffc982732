"""Checks the metric corpus's `official` labels against the benchmarks' own evaluation scripts.

The scripts are not part of this repository; put them in one directory first:
  math_equivalence.py   (hendrycks/math modeling/math_equivalence.py)
  mathutil.py           (hendrycks/math modeling/dataset/util.py)
  squad_v2_eval.py      (SQuAD evaluate-v2.0.py)
  hotpot_eval.py        (hotpotqa/hotpot hotpot_evaluate_v1.py, with `import ujson as json` -> `import json`)
  triviaqa_eval.py      (mandarjoshi90/triviaqa evaluation/triviaqa_evaluation.py, plus an empty utils/ package)
GSM8K is checked with the LM Evaluation Harness's gsm8k.yaml filters, re-stated below.

usage: python3 official-agreement.py DIR [CORPUS.jsonl]
"""
import json
import re
import sys
from collections import Counter

scripts = sys.argv[1]
corpus = sys.argv[2] if len(sys.argv) > 2 else __file__.rsplit('/', 2)[0] + '/tests/corpus/metric-cases.jsonl'
sys.path.insert(0, scripts)
sys.argv = sys.argv[:1]
import math_equivalence  # noqa: E402
import mathutil  # noqa: E402
import squad_v2_eval  # noqa: E402
import hotpot_eval  # noqa: E402
import triviaqa_eval  # noqa: E402


def unbox(group):
    left = '\\boxed{'
    return group[len(left):-1] if group and group.startswith(left) and group.endswith('}') else None


def math_verdict(prediction, gold):
    answer = unbox(mathutil.last_boxed_only_string(prediction))
    boxed_gold = mathutil.last_boxed_only_string(gold)
    return int(math_equivalence.is_equiv(answer, unbox(boxed_gold) if boxed_gold else gold))


def squad_verdict(prediction, golds):
    kept = [a for a in golds if squad_v2_eval.normalize_answer(a)] or ['']
    return [max(squad_v2_eval.compute_exact(a, prediction) for a in kept), round(max(squad_v2_eval.compute_f1(a, prediction) for a in kept), 4)]


def hotpot_verdict(prediction, gold):
    return [int(hotpot_eval.exact_match_score(prediction, gold)), round(hotpot_eval.f1_score(prediction, gold)[0], 4)]


def trivia_verdict(prediction, aliases):
    golds = [triviaqa_eval.normalize_answer(a) for a in aliases]
    return [max(int(triviaqa_eval.exact_match_score(prediction, g)) for g in golds), round(max(triviaqa_eval.f1_score(prediction, g) for g in golds), 4)]


IGNORE = [',', '\\$', '(?s).*#### ', '\\.$']


def gsm8k_clean(text):
    for pattern in IGNORE:
        text = re.sub(pattern, '', text)
    return text.lower()


def gsm8k_extract(response, pattern, select):
    found = re.findall(pattern, response)
    if not found:
        return '[invalid]'
    match = found[select]
    if isinstance(match, tuple):
        match = next((m for m in match if m), '[invalid]')
    return match.strip()


def gsm8k_verdict(prediction, gold):
    return int(gsm8k_clean(gsm8k_extract(prediction, r'(-?[$0-9.,]{2,})|(-?[0-9]+)', -1)) == gsm8k_clean(gold))


VERDICTS = {'math': math_verdict, 'squad_v2': squad_verdict, 'hotpotqa': hotpot_verdict, 'triviaqa': trivia_verdict, 'gsm8k': gsm8k_verdict}
tally = Counter()
for line in open(corpus, encoding='utf-8'):
    case = json.loads(line)
    verdict = VERDICTS.get(case['benchmark'])
    if verdict is None or 'official' not in case:
        continue
    got = verdict(case['prediction'], case['gold'])
    agree = got == case['official']
    tally[(case['benchmark'], agree)] += 1
    if not agree:
        print('DISAGREE', case['id'], case['rule'], repr(case['prediction']), 'label', case['official'], 'script', got)
for benchmark in sorted({b for b, _ in tally}):
    print(f"{benchmark}: {tally[(benchmark, True)]} agree, {tally[(benchmark, False)]} disagree")
