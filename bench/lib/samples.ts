// How bench:learning counts the training examples behind an evaluation: the report's counting
// (report/samples-ledger.ts), so a benchmark and a run's report give the same number.
export { consumedUpTo } from '../../report/samples-ledger.ts';
