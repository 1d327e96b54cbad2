# bash completion for vgetrandom. Source it, or install it as
# /usr/share/bash-completion/completions/vgetrandom (or ~/.local/share/bash-completion/completions/vgetrandom).
_vgetrandom() {
  local cur prev words cword
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev=""
  if [ "$COMP_CWORD" -gt 0 ]; then prev="${COMP_WORDS[COMP_CWORD-1]}"; fi
  local commands="tour info symbols params slab explore bytes uuid int bench help"
  local command="" word
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case " $commands " in *" $word "*) command="$word"; break ;; esac
  done
  case "$prev" in
    --backend) COMPREPLY=($(compgen -W "auto vdso syscall crypto" -- "$cur")); return ;;
    --profile) COMPREPLY=($(compgen -W "glibc-2.41 go-1.24 selftest-6.11 selftest adaptive" -- "$cur")); return ;;
    --profiles) COMPREPLY=($(compgen -W "glibc-2.41,go-1.24,selftest-6.11,selftest,adaptive glibc-2.41 go-1.24 selftest-6.11 selftest adaptive" -- "$cur")); return ;;
    --policy) COMPREPLY=($(compgen -W "glibc percpu adaptive" -- "$cur")); return ;;
    --arch) COMPREPLY=($(compgen -W "amd64 arm64 arm64be ppc64 ppc64le loong64 s390x" -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --states|--page-size|--cpus|--scenario|--port|-w|--wrap|-n|--count) return ;;
  esac
  local options
  case "$command" in
    "") options="--backend --version -V --help -h"; COMPREPLY=($(compgen -W "$commands $options" -- "$cur")); return ;;
    tour) options="--help" ;;
    info|symbols|params) options="--json --help" ;;
    slab) options="--profile --arch --policy --states --page-size --cpus --simulated --trace --scenario --force --json --help" ;;
    explore) options="--scenario --profiles --output -o --serve --port --help" ;;
    bytes) options="--hex --base64 --wrap -w --output -o --help" ;;
    uuid) options="--count -n --json --help" ;;
    int) options="--count -n --json --help" ;;
    bench) options="--quick --json --help" ;;
    help) options="$commands" ;;
  esac
  COMPREPLY=($(compgen -W "$options" -- "$cur"))
}
complete -F _vgetrandom vgetrandom
