"""NN Studio: train, understand and tune a neural network without writing code."""

import faulthandler
import os
import signal

import streamlit as st

from ui import presenter
from ui.experiment import restore_from_link, show_notice
from ui.frame import render_frame
from ui.preload import preload_charts
from ui.state import init_state
from ui.training import reattach_job

# Read by TensorFlow when a screen first trains: quiet logs, and the same numbers as
# the CLI and the exported scripts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# `kill -USR1 <server pid>` writes every thread's stack to the server's stderr: how
# to see where a stuck server waits (the browser tests do it when one fails).
if hasattr(signal, "SIGUSR1"):
    faulthandler.register(signal.SIGUSR1, all_threads=True)

st.set_page_config(page_title="NN Studio", page_icon=":material/hub:", layout="wide")
preload_charts()
init_state()
restore_from_link()
presenter.sync_with_url()
reattach_job()

pages = [
    st.Page("screens/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("screens/data.py", title="Data", icon=":material/table:"),
    st.Page("screens/model.py", title="Model", icon=":material/hub:"),
    st.Page("screens/compile.py", title="Compile", icon=":material/tune:"),
    st.Page("screens/train.py", title="Train", icon=":material/model_training:"),
    st.Page("screens/tune.py", title="Tune", icon=":material/science:"),
    st.Page("screens/evaluate.py", title="Evaluate", icon=":material/fact_check:"),
    st.Page("screens/runs.py", title="Runs", icon=":material/history:"),
    st.Page("screens/experiment.py", title="Experiment", icon=":material/share:"),
    st.Page("screens/glossary.py", title="Glossary", icon=":material/menu_book:"),
]
page = st.navigation(pages)
frame = st.sidebar.container()
presenter.apply_style()
show_notice()
page.run()
render_frame(frame)
