# The terminals of the course's JupyterLab: tools/lab.py starts them as `bash --rcfile lab/terminal.bashrc -i`.
# First the usual interactive settings (~/.bashrc; Debian's bash reads /etc/bash.bashrc by itself), then the
# course's virtualenv first on PATH, so that `tokenlab`, `python` and `jupyter` in a terminal are the course's,
# whatever ~/.bashrc (a conda base, say) puts on PATH.
[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"
if [ -n "${TOKENLAB_VENV_BIN-}" ]; then
  PATH="$TOKENLAB_VENV_BIN:$PATH"
  export PATH
fi
