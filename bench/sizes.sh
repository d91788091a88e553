# Sourced by the benchmarks: the synthetic data sizes they share (users and
# items scaled with the interactions, as issue 9's targets state them).
# synthetic_flags SIZE prints that size's generator flags; an unknown size
# fails with a message.
synthetic_flags() {
  case $1 in
    100k) echo "--users 3000 --items 1500 --interactions 100000" ;;
    1M) echo "--users 30000 --items 15000 --interactions 1000000" ;;
    10M) echo "--users 300000 --items 150000 --interactions 10000000" ;;
    *) echo "unknown size $1 (100k, 1M or 10M)" >&2; return 2 ;;
  esac
}
