# awsprompt zsh plugin: `aws-use` switches the current shell to an AWS profile,
# `_aws-use` completes profile names, and a prompt segment shows the profile,
# account, region and time left.  Load it with oh-my-zsh (plugins=(... awsprompt))
# or `source /path/to/awsprompt.plugin.zsh` from a plain ~/.zshrc.
#
# Loading prints nothing, reads no input, forks nothing and never exits.  Loading
# it again (`source ~/.zshrc`) changes nothing: defaults and state are guarded,
# hooks are added once.  Every function starts with `emulate -L zsh`, so the
# user's options (ksh_arrays, no_unset, ...) do not matter.
# Sources are split by concern under lib/:
#   contract.zsh  generated from the Python package: variable lists, exit codes,
#                 the profile-name rule, the state folder (do not edit)
#   settings.zsh  public AWSPROMPT_* settings (guarded defaults) and config helpers
#   profiles.zsh  profile-name discovery with an mtime/size cache (completion, picker)
#   use.zsh       aws-use / aws-unuse and the NUL-record protocol parser
#   agent.zsh     a cached aws-use answered by the unlock agent (no process started)
#   prompt.zsh    prompt segment, RPROMPT, powerlevel10k, live countdown
#   refresh.zsh   precmd hook: auto-refresh near expiry

0=${(%):-%N}
typeset -g _awsprompt_dir=${0:A:h}

source "$_awsprompt_dir/lib/contract.zsh"
source "$_awsprompt_dir/lib/settings.zsh"
source "$_awsprompt_dir/lib/profiles.zsh"
source "$_awsprompt_dir/lib/use.zsh"
source "$_awsprompt_dir/lib/agent.zsh"
source "$_awsprompt_dir/lib/prompt.zsh"
source "$_awsprompt_dir/lib/refresh.zsh"

# Completion: `_aws-use` lives beside this file.  oh-my-zsh adds plugin folders to
# fpath before compinit; for plain zsh we add it ourselves, and register with
# compdef when compinit already ran.
() {
  emulate -L zsh
  (( ${fpath[(Ie)$_awsprompt_dir]} )) || fpath=("$_awsprompt_dir" "${fpath[@]}")
  autoload -Uz _aws-use
  (( ${+functions[compdef]} )) && compdef _aws-use aws-use aws-region
  _awsprompt_start
}

# The RPROMPT segment references ${_awsprompt_rprompt}.  Set here, outside any
# function, so that it stays set for the user.
setopt prompt_subst

# Set once the first load is complete (settings.zsh tells a reload by it).
typeset -g _awsprompt_loaded=1
