# dj_cached: a shell function for scripts that should work with or without
# dj-cache. Source it (`. dj-cache-fallback.sh`) from sh, dash, bash or zsh:
#
#   dj_cached LABEL [ARG...] -- COMMAND [ARG...]
#
# With dj-cache installed it runs `dj-cache get LABEL ARG...` (the worker's getter
# computes the value on a miss; COMMAND is not run). Without dj-cache, or when
# dj-cache cannot serve the label here (69: no such worker in this host's config,
# 74: store unusable, 78: config error), it runs COMMAND instead, so a broken or
# missing cache slows the script down but never breaks it. COMMAND should print
# what the worker's getter prints. The first `--` separates the two parts, so the
# ARGs cannot themselves hold a `--`.
#
#   . ./dj-cache-fallback.sh   # (or wherever you keep it)
#   dj_cached weather city=Berlin -- curl -fsS 'https://wttr.in/Berlin?format=3'
#
# A getter that itself exits 69, 74 or 78 makes COMMAND run too (the message on
# stderr tells which happened).

dj_cached() {
  _djc_split=0
  for _djc_word do
    [ "$_djc_word" = -- ] && break
    _djc_split=$((_djc_split + 1))
  done
  if [ "$_djc_split" -eq 0 ] || [ "$_djc_split" -ge $# ]; then
    echo 'usage: dj_cached LABEL [ARG...] -- COMMAND [ARG...]' >&2
    return 64
  fi
  if command -v dj-cache >/dev/null 2>&1; then
    # In a subshell, keep the words before `--` as the positional parameters.
    (
      _djc_seen=0
      for _djc_word do
        shift
        [ "$_djc_seen" -lt "$_djc_split" ] && set -- "$@" "$_djc_word"
        _djc_seen=$((_djc_seen + 1))
      done
      exec dj-cache get "$@"
    )
    _djc_status=$?
    case $_djc_status in
      69 | 74 | 78) ;;  # dj-cache cannot serve it here: run the command
      *) return "$_djc_status" ;;
    esac
  fi
  shift "$((_djc_split + 1))"
  "$@"
}
