# oh-my-zsh and other plugin managers look for NAME.plugin.zsh at the top of a clone
# (git clone ... $ZSH_CUSTOM/plugins/awsprompt): the plugin itself lives in zsh/.
source "${${(%):-%N}:A:h}/zsh/awsprompt.plugin.zsh"
