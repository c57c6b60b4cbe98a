# fish completion for dj-cache(1).
#
# Completes subcommands, options, and the worker labels and source names of the
# active config, which it asks dj-cache itself for (`dj-cache __complete labels`,
# a quiet listing mode). A -c/--config given on the line being completed is
# passed on, and so is a DJ_CACHE_CONFIG=... assignment written before the
# command; an exported $DJ_CACHE_CONFIG reaches dj-cache through the environment.

# Walks the tokens before the cursor and sets, for the functions below:
# __dj_cache_prog (the dj-cache to ask), __dj_cache_env (DJ_CACHE_CONFIG=...),
# __dj_cache_config (--config FILE), __dj_cache_cmd (the subcommand),
# __dj_cache_npos (its positional words so far), __dj_cache_args (1 once get or
# warm has its LABEL, or run its command: the rest are that command's arguments),
# __dj_cache_after (run: how many words of its command are there), __dj_cache_kv
# (1 in the K=V words of invalidate --old/--new).
function __dj_cache_parse
    set -l tokens (commandline -opc)
    set -g __dj_cache_prog dj-cache
    set -g __dj_cache_env
    set -g __dj_cache_config
    set -g __dj_cache_cmd
    set -g __dj_cache_npos 0
    set -g __dj_cache_args 0
    set -g __dj_cache_after 0
    set -g __dj_cache_kv 0

    # VAR=value before the command, and `env` itself.
    while set -q tokens[1]
        if string match -qr '^DJ_CACHE_CONFIG=' -- $tokens[1]
            set -g __dj_cache_env (string replace -r '^DJ_CACHE_CONFIG=' 'DJ_CACHE_CONFIG=' -- (__dj_cache_expand $tokens[1]))
        else if not string match -qr '^[A-Za-z_][A-Za-z0-9_]*=' -- $tokens[1]
            and test "$tokens[1]" != env
            break
        end
        set -e tokens[1]
    end
    if set -q tokens[1]
        set -l prog (__dj_cache_expand $tokens[1])
        if string match -q '*/*' -- $prog; and test -x "$prog"
            set -g __dj_cache_prog $prog
        else if command -q -- $prog
            set -g __dj_cache_prog $prog
        end
        set -e tokens[1]
    end

    set -l value_options --timeout --relevance-timeout --getter-timeout --wait
    set -l n (count $tokens)
    set -l i 1
    while test $i -le $n
        set -l word $tokens[$i]
        if test $__dj_cache_args = 1
            # get/warm after LABEL: the worker's arguments; run: its command's words
            set -g __dj_cache_after (math $__dj_cache_after + 1)
        else if test -z "$__dj_cache_cmd"
            switch $word
                case -c --config
                    set i (math $i + 1)
                    if test $i -le $n
                        set -g __dj_cache_config --config (__dj_cache_expand $tokens[$i])
                    end
                case -s --store
                    set i (math $i + 1)
                case '--config=*'
                    set -g __dj_cache_config --config (__dj_cache_expand (string replace -- '--config=' '' $word))
                case '-*'
                    if string match -qr '^-c.' -- $word
                        set -g __dj_cache_config --config (__dj_cache_expand (string sub -s 3 -- $word))
                    end
                case '*'
                    set -g __dj_cache_cmd $word
            end
        else if test "$word" = --
            test "$__dj_cache_cmd" = run; and set -g __dj_cache_args 1
        else if string match -q -- '-*' $word
            set -g __dj_cache_kv 0
            switch $__dj_cache_cmd
                case get warm refresh
                    contains -- $word $value_options; and set i (math $i + 1)
                case notify
                    contains -- $word --data --old --new --events; and set i (math $i + 1)
                case run
                    contains -- $word --ttl --stale --stale-on-error --env --modtime --scope --getter-timeout
                    and set i (math $i + 1)
                case invalidate
                    contains -- $word --old --new; and set -g __dj_cache_kv 1
            end
        else if test $__dj_cache_cmd = invalidate -a $__dj_cache_kv = 1
            and string match -q -- '*=*' $word
            # a K=V word of --old/--new
        else
            set -g __dj_cache_kv 0
            set -g __dj_cache_npos (math $__dj_cache_npos + 1)
            contains -- $__dj_cache_cmd get warm run; and set -g __dj_cache_args 1
            test "$__dj_cache_cmd" = run; and set -g __dj_cache_after 1
        end
        set i (math $i + 1)
    end
end

# A token as the shell will pass it: a leading ~ expanded.
function __dj_cache_expand
    string replace -r -- '^~(?=/|$)' $HOME $argv[1]
end

# No subcommand yet.
function __dj_cache_no_command
    __dj_cache_parse
    test -z "$__dj_cache_cmd"
end

# The subcommand is one of $argv and still takes options (get and warm: before LABEL).
function __dj_cache_using
    __dj_cache_parse
    contains -- "$__dj_cache_cmd" $argv; or return 1
    test $__dj_cache_args = 0 -a $__dj_cache_kv = 0
end

# The word being completed is word number $argv[1] (0-based) of run's command.
function __dj_cache_run_word
    __dj_cache_parse
    test "$__dj_cache_cmd" = run -a $__dj_cache_kv = 0; or return 1
    if test $argv[1] = 0
        test $__dj_cache_after = 0
    else
        test $__dj_cache_after -gt 0
    end
end

# The word being completed is the positional word number $argv[1] (0-based) of
# one of the subcommands $argv[2..].
function __dj_cache_positional
    __dj_cache_parse
    contains -- "$__dj_cache_cmd" $argv[2..-1]; or return 1
    test $__dj_cache_args = 0 -a $__dj_cache_kv = 0 -a $__dj_cache_npos = $argv[1]
end

# Asks dj-cache for the labels or the sources of the active config.
function __dj_cache_names
    __dj_cache_parse
    if set -q __dj_cache_env[1]
        env $__dj_cache_env $__dj_cache_prog $__dj_cache_config __complete $argv[1] 2>/dev/null
    else
        command $__dj_cache_prog $__dj_cache_config __complete $argv[1] 2>/dev/null
    end
end

complete -c dj-cache -f

# Global options and the subcommands.
complete -c dj-cache -n __dj_cache_no_command -s c -l config -r -F -d 'Config file (default: discovered)'
complete -c dj-cache -n __dj_cache_no_command -s s -l store -x -a '(__fish_complete_directories)' -d 'Store directory'
complete -c dj-cache -n __dj_cache_no_command -s v -l verbose -d 'Say more on stderr'
complete -c dj-cache -n __dj_cache_no_command -s q -l quiet -d 'No warnings or summaries on stderr'
complete -c dj-cache -n __dj_cache_no_command -l version -d 'Print the version'
complete -c dj-cache -n __dj_cache_no_command -s h -l help -d 'Print help'

complete -c dj-cache -n __dj_cache_no_command -a get -d 'Print a worker value, computing it on a miss'
complete -c dj-cache -n __dj_cache_no_command -a warm -d 'Cache one argument set per stdin line'
complete -c dj-cache -n __dj_cache_no_command -a run -d 'Cache any command, no config needed (as bkt)'
complete -c dj-cache -n __dj_cache_no_command -a refresh -d 'Recompute entries (all, or the stale ones)'
complete -c dj-cache -n __dj_cache_no_command -a invalidate -d 'Invalidate entries, all or by attributes'
complete -c dj-cache -n __dj_cache_no_command -a notify -d 'Report a change event of a source'
complete -c dj-cache -n __dj_cache_no_command -a work -d 'Run the delayed-invalidation queue and events spool'
complete -c dj-cache -n __dj_cache_no_command -a list -d 'List entries'
complete -c dj-cache -n __dj_cache_no_command -a purge -d 'Delete entries'
complete -c dj-cache -n __dj_cache_no_command -a stats -d 'Entries, bytes, hits, misses, getter runs'
complete -c dj-cache -n __dj_cache_no_command -a check -d 'Verify the store'
complete -c dj-cache -n __dj_cache_no_command -a migrate -d 'Create or upgrade the store'
complete -c dj-cache -n __dj_cache_no_command -a workers -d 'Validate the config and list its workers'
complete -c dj-cache -n __dj_cache_no_command -a export -d 'Print entries as JSON lines'
complete -c dj-cache -n __dj_cache_no_command -a import -d 'Read entries as JSON lines from stdin'

# Labels and sources of the active config, and notify's operations.
complete -c dj-cache -n '__dj_cache_positional 0 get warm refresh invalidate list purge export' -a '(__dj_cache_names labels)' -d 'Worker'
complete -c dj-cache -n '__dj_cache_positional 0 notify' -a '(__dj_cache_names sources)' -d 'Source'
complete -c dj-cache -n '__dj_cache_positional 1 notify' -a 'create update delete' -d 'Operation'

# Subcommand options.
set -l __dj_cache_all get warm run refresh invalidate notify work list purge stats check migrate workers export import
complete -c dj-cache -n "__dj_cache_using $__dj_cache_all" -s h -l help -d 'Print help'
complete -c dj-cache -n '__dj_cache_using get warm' -s f -l force -d 'Recompute now, even fresh entries'
complete -c dj-cache -n '__dj_cache_using get' -l entity -d 'Print the entry as JSON'
complete -c dj-cache -n '__dj_cache_using get' -l no-wait -d 'Exit 75 when another process computes the key'
complete -c dj-cache -n '__dj_cache_using get warm refresh' -l timeout -x -d 'Entry lifetime for this call'
complete -c dj-cache -n '__dj_cache_using get warm refresh' -l relevance-timeout -x -d 'Relevance time for this call'
complete -c dj-cache -n '__dj_cache_using get warm refresh' -l getter-timeout -x -d 'Getter time limit for this call'
complete -c dj-cache -n '__dj_cache_using get warm refresh' -l wait -x -d 'How long to wait for another computing process'
complete -c dj-cache -n '__dj_cache_using refresh' -l stale -d 'Only entries past their relevance time'
complete -c dj-cache -n '__dj_cache_using run' -l ttl -x -d 'Entry lifetime (default $DJ_CACHE_TTL, else 1m)'
complete -c dj-cache -n '__dj_cache_using run' -l stale -x -d 'After this age, serve and refresh in the background'
complete -c dj-cache -n '__dj_cache_using run' -l stale-on-error -x -d 'Serve a recently expired entry when the command fails'
complete -c dj-cache -n '__dj_cache_using run' -l cwd -d 'The working directory joins the key'
complete -c dj-cache -n '__dj_cache_using run' -l env -x -a '(set -xn)' -d 'This variable joins the key'
complete -c dj-cache -n '__dj_cache_using run' -l modtime -r -F -d 'A change of this file is a miss'
complete -c dj-cache -n '__dj_cache_using run' -l stdin -d 'Read stdin, key on it, feed it to the command'
complete -c dj-cache -n '__dj_cache_using run' -l scope -x -d 'Keep callers apart (default $DJ_CACHE_SCOPE)'
complete -c dj-cache -n '__dj_cache_using run' -l cache-failures -d 'Cache a non-zero exit too'
complete -c dj-cache -n '__dj_cache_using run' -l warm -d 'Run now and store, print nothing'
complete -c dj-cache -n '__dj_cache_using run' -s f -l force -d 'Run now, store and print'
complete -c dj-cache -n '__dj_cache_using run' -l no-wait -d 'Exit 75 when another process runs the command'
complete -c dj-cache -n '__dj_cache_using run' -l getter-timeout -x -d 'Kill the command after this'
complete -c dj-cache -n '__dj_cache_run_word 0' -a '(__fish_complete_command)'
complete -c dj-cache -n '__dj_cache_run_word 1' -F
complete -c dj-cache -n '__dj_cache_using invalidate' -l old -x -d 'Attributes of the old record (K=V...)'
complete -c dj-cache -n '__dj_cache_using invalidate' -l new -x -d 'Attributes of the new record (K=V...)'
complete -c dj-cache -n '__dj_cache_using invalidate' -l drop -d 'Delete the matched entries'
complete -c dj-cache -n '__dj_cache_using notify' -l data -x -d 'The record (JSON) of a create or delete'
complete -c dj-cache -n '__dj_cache_using notify' -l old -x -d 'The old record (JSON) of an update'
complete -c dj-cache -n '__dj_cache_using notify' -l new -x -d 'The new record (JSON) of an update'
complete -c dj-cache -n '__dj_cache_using notify' -l events -r -F -d 'JSON lines of events (- for stdin)'
complete -c dj-cache -n '__dj_cache_using work' -l once -d 'Run what is due now, then exit'
complete -c dj-cache -n '__dj_cache_using list workers stats' -l json -d 'JSON output'
complete -c dj-cache -n '__dj_cache_using purge' -l expired -d 'Only entries past their timeout'
complete -c dj-cache -n '__dj_cache_using check' -l repair -d 'Rebuild the indexes'
complete -c dj-cache -n '__dj_cache_using migrate' -l check -d 'Exit 1 when a migration is due'
