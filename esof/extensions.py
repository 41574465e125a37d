"""Flask extensions, created unbound here and bound to the app in the factory."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from esof.db import Base

db = SQLAlchemy(model_class=Base)

# The base class of every model. mypy cannot take the attribute db.Model as a base class
# (python/mypy#8603), so it is shown esof.db.Base, from which db.Model derives at runtime.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
