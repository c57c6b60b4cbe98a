# bash completion for dj-cache(1)                           -*- shell-script -*-
#
# Completes subcommands, options, and the worker labels and source names of the
# active config, which it asks dj-cache itself for (`dj-cache __complete labels`,
# a quiet listing mode). A -c/--config given on the line being completed is
# passed on; $DJ_CACHE_CONFIG reaches dj-cache through the environment.
# (bash does not show the completion function a `VAR=value` written before the
# command, so only an exported DJ_CACHE_CONFIG counts.)

_dj_cache_commands="get warm run refresh invalidate notify work list purge stats check migrate workers export import"
_dj_cache_global_options="-c --config -s --store -v --verbose -q --quiet --version -h --help"

# Options of a subcommand (besides -h/--help).
_dj_cache_command_options()
{
    local overrides="--timeout --relevance-timeout --getter-timeout --wait"
    case $1 in
        get) echo "-f --force --entity --no-wait $overrides" ;;
        warm) echo "-f --force $overrides" ;;
        run) echo "--ttl --stale --stale-on-error --cwd --env --modtime --stdin --scope --cache-failures --warm -f --force --no-wait --getter-timeout" ;;
        refresh) echo "--stale $overrides" ;;
        invalidate) echo "--old --new --drop" ;;
        notify) echo "--data --old --new --events" ;;
        work) echo "--once" ;;
        list | workers | stats) echo "--json" ;;
        purge) echo "--expired" ;;
        check) echo "--repair" ;;
        migrate) echo "--check" ;;
    esac
}

# Whether option $2 of subcommand $1 (or of dj-cache itself when $1 is empty)
# takes a value in the next word.
_dj_cache_takes_value()
{
    case $1:$2 in
        :-c | :--config | :-s | :--store) return 0 ;;
        get:--timeout | get:--relevance-timeout | get:--getter-timeout | get:--wait) return 0 ;;
        warm:--timeout | warm:--relevance-timeout | warm:--getter-timeout | warm:--wait) return 0 ;;
        refresh:--timeout | refresh:--relevance-timeout | refresh:--getter-timeout | refresh:--wait) return 0 ;;
        run:--ttl | run:--stale | run:--stale-on-error | run:--env | run:--modtime | run:--scope | run:--getter-timeout) return 0 ;;
        notify:--data | notify:--old | notify:--new | notify:--events) return 0 ;;
    esac
    return 1
}

# A word as the shell will pass it, for the common cases: ~ expanded, one level
# of surrounding quotes removed.
_dj_cache_dequote()
{
    local word=$1
    case $word in
        \'*\') word=${word:1:${#word}-2} ;;
        \"*\") word=${word:1:${#word}-2} ;;
    esac
    case $word in
        "~") word=$HOME ;;
        "~/"*) word=$HOME/${word:2} ;;
    esac
    printf '%s\n' "$word"
}

_dj_cache()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prog
    prog=$(_dj_cache_dequote "${1:-dj-cache}")
    [[ $prog == */* && -x $prog ]] || type -P -- "$prog" >/dev/null 2>&1 || prog=dj-cache

    # Walk the words before the cursor: the global -c/--config, the subcommand,
    # how many positional words it has, and whether the last word(s) form an
    # option that waits for its value.
    local -a config=()
    local cmd="" npos=0 pending="" in_kv=0 args_only=0 after=0
    local i=1 word value
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        pending=""
        if [[ $args_only == 1 ]]; then
            ((i++, after++))
            continue
        fi
        # bash splits --opt=value into "--opt" "=" "value" (= is a word break).
        if [[ $word == -* && ${COMP_WORDS[i + 1]} == "=" ]] && _dj_cache_takes_value "$cmd" "$word"; then
            if ((i + 2 < COMP_CWORD)); then
                value=${COMP_WORDS[i + 2]}
                [[ -z $cmd && ($word == -c || $word == --config) ]] && config=(--config "$(_dj_cache_dequote "$value")")
                ((i += 3))
                continue
            fi
            pending=$word
            ((i + 1 == COMP_CWORD)) && cur="" # `--opt=` itself: the value is still empty
            break
        fi
        if [[ -z $cmd ]]; then
            case $word in
                -c | --config | -s | --store)
                    if ((i + 1 < COMP_CWORD)); then
                        [[ $word == -c || $word == --config ]] &&
                            config=(--config "$(_dj_cache_dequote "${COMP_WORDS[i + 1]}")")
                        ((i += 2))
                        continue
                    fi
                    pending=$word
                    ;;
                --config=*) config=(--config "$(_dj_cache_dequote "${word#--config=}")") ;;
                -c?*) config=(--config "$(_dj_cache_dequote "${word#-c}")") ;;
                -*) ;;
                *) cmd=$word ;;
            esac
        else
            if [[ $word == -* && $word != -- ]]; then
                in_kv=0
                if [[ $word != *=* ]] && _dj_cache_takes_value "$cmd" "$word"; then
                    if ((i + 1 < COMP_CWORD)); then
                        ((i += 2))
                        continue
                    fi
                    pending=$word
                fi
                [[ $cmd == invalidate && ($word == --old || $word == --new) ]] && in_kv=1
            elif [[ $word == -- ]]; then
                [[ $cmd == run ]] && args_only=1 # run: the command follows
            elif [[ $cmd == invalidate && $in_kv == 1 && $word == *=* ]]; then
                : # a K=V word of --old/--new
            else
                in_kv=0
                ((npos++))
                # get and warm: after LABEL every word is an argument; run: the command's.
                [[ $cmd == get || $cmd == warm || $cmd == run ]] && args_only=1
                [[ $cmd == run ]] && after=1
            fi
        fi
        ((i++))
    done

    # `--opt=` and `--opt=val`: complete the value alone.
    if [[ -z $pending && $cur == "=" && ${COMP_WORDS[COMP_CWORD - 1]} == -* ]] &&
        _dj_cache_takes_value "$cmd" "${COMP_WORDS[COMP_CWORD - 1]}"; then
        pending=${COMP_WORDS[COMP_CWORD - 1]}
        cur=""
    fi

    COMPREPLY=()
    if [[ -n $pending ]]; then
        case $pending in
            -c | --config | --events)
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -f -- "$cur"))
                [[ $pending == --events ]] && COMPREPLY+=($(compgen -W "-" -- "$cur"))
                ;;
            -s | --store)
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -d -- "$cur"))
                ;;
            --modtime)
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -f -- "$cur"))
                ;;
            --env) COMPREPLY=($(compgen -v -- "$cur")) ;;
        esac
        return 0
    fi

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$_dj_cache_global_options" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_dj_cache_commands" -- "$cur"))
        fi
        return 0
    fi

    if [[ $cmd == run && $args_only == 1 ]]; then
        # run's command: a command name first, then files as bash would complete them.
        if ((after == 0)); then
            COMPREPLY=($(compgen -c -- "$cur"))
        else
            compopt -o default 2>/dev/null
        fi
        return 0
    fi
    [[ $args_only == 1 ]] && return 0 # words of get/warm after LABEL: the worker's arguments
    [[ $cmd == invalidate && $in_kv == 1 && $cur != -* ]] && return 0

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_dj_cache_command_options "$cmd") -h --help" -- "$cur"))
        return 0
    fi

    [[ $cmd == run ]] && COMPREPLY=($(compgen -c -- "$cur")) && return 0 # the command, without --

    local kind=""
    case $cmd:$npos in
        get:0 | warm:0 | refresh:0 | invalidate:0 | list:0 | purge:0 | export:0) kind=labels ;;
        notify:0) kind=sources ;;
        notify:1)
            COMPREPLY=($(compgen -W "create update delete" -- "$cur"))
            return 0
            ;;
    esac
    if [[ -n $kind ]]; then
        local names
        names=$("$prog" "${config[@]}" __complete "$kind" 2>/dev/null)
        COMPREPLY=($(compgen -W "$names" -- "$cur"))
    fi
    return 0
} &&
    complete -F _dj_cache dj-cache

# ex: filetype=sh
