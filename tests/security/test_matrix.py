"""The authorisation matrix: every route of app.url_map (pages and /api/v1) × every role,
with the real ids of records owned by someone else, against the table below (SPEC.md's
rules as the app applies them). A route without a row fails `test_every_route_has_a_rule`.

The world is the demo market (`flask seed-demo`, see conftest.py), with hostile text in every
free-text column (payloads.py): each page the matrix opens is also checked for live markup.

Columns: ano = anonymous visitor; ins = coalinst (institute, organisation 1); in2 = luliangu
(institute of another organisation, 2); ent = fenjiu (enterprise, 3); en2 = xiaoyicoal
(enterprise of another organisation, 4); bro = broker (of intermediary 5); br2 = broker2 (no
organisation); bur = the bureau; adm = the administrator. The ids (world_ids.py): achievement
12 is luliangu's and submitted, listing 17 coalinst's draft, contract 71 coalinst's draft,
need 10 fenjiu's draft, deal 3 coalinst → fenjiu with broker2, complaint 3 fenjiu's against
broker, engagement 6 coalinst's invitation of another broker, profile 8 a pending broker's,
file 28 a contract file of coalinst's organisation, the thread and saved search coalinst's.

Outcomes: a status code; L = sent to log in (302 to /login?next=… for pages); R = another
redirect (a page's refusal or success with a flash message); for POST/PUT/PATCH/DELETE,
sent with an empty form (pages: with a PDF in every file field) or an empty JSON object
(API): * = the role may act, so anything but 500 (the outcome depends on the record's state,
which earlier requests of the run may have changed); x = refused as invalid (400/422) before
any effect. 401/403/404/L are exact for everyone.
"""
import io

import pytest

from marketplace.api.core import ROUTES

from ..factories import PDF, PNG
from . import payloads, world_ids
from .conftest import ROLES, build_world, tear_down

MATRIX = """
# route                                                     ano ins in2 ent en2 bro br2 bur adm
GET /                                                       200 200 200 200 200 200 200 200 200
GET /account                                                  L 200 200 200 200 200 200 200 200
GET /account/password                                         L 200 200 200 200 200 200 200 200
GET /achievements                                           200 200 200 200 200 200 200 200 200
GET /achievements/<achievement>                             404 404 200 404 404 404 404 200 200
GET /achievements/<achievement>/certificate                   L 200 404 404 404 404 404 200 200
GET /achievements/<achievement>/disclosure                    L 404 200 200 200 200 200 404 404
GET /achievements/<achievement>/disclosures                   L 404 200 404 404 404 404 200 200
GET /achievements/<achievement>/edit                          L 404   R 404 404 404 404 404 404
GET /achievements/mine                                        L 200 200 403 403 403 403 403 403
GET /achievements/new                                         L 200 200 403 403 403 403 403 403
GET /admin/calendar                                           L 403 403 403 403 403 403 403 200
GET /admin/settings                                           L 403 403 403 403 403 403 403 200
GET /admin/users                                              L 403 403 403 403 403 403 403 200
GET /api/v1/achievements                                    200 200 200 200 200 200 200 200 200
GET /api/v1/achievements/<achievement>                      404 404 200 404 404 404 404 200 200
GET /api/v1/achievements/<achievement>/files                401 404 200 404 404 404 404 200 200
GET /api/v1/blacklist                                       401 403 403 403 403 403 403 200 200
GET /api/v1/brokers                                         200 200 200 200 200 200 200 200 200
GET /api/v1/brokers/<profile>                               404 404 404 404 404 404 404 200 200
GET /api/v1/brokers/me                                      401 404 404 404 404 200 200 404 404
GET /api/v1/complaints                                      401 200 200 200 200 200 200 200 200
GET /api/v1/complaints/<complaint>                          401 404 404 200 404 200 404 200 200
GET /api/v1/contracts                                       401 200 200 200 200 200 403 200 200
GET /api/v1/contracts/<contract>                            401 200 404 200 404 404 200 200 200
GET /api/v1/credit/brokers/<broker>                         404 404 404 404 404 404 404 200 200
GET /api/v1/credit/organizations/<org>                      200 200 200 200 200 200 200 200 200
GET /api/v1/deals                                           401 200 200 200 200 200 200 200 200
GET /api/v1/deals/<deal>                                    401 200 404 200 404 404 200 200 200
GET /api/v1/deals/<deal>/ratings                            401 200 404 200 404 404 200 200 200
GET /api/v1/engagements                                     401 200 200 200 200 200 200 200 200
GET /api/v1/listings                                        200 200 200 200 200 200 200 200 200
GET /api/v1/listings/<listing>                              404 200 404 404 404 404 404 200 200
GET /api/v1/listings/<listing>/bids                         404 200 404 404 404 404 404 200 200
GET /api/v1/listings/<listing>/intents                      401 200 404 404 404 404 404 200 200
GET /api/v1/me                                              401 200 200 200 200 200 200 200 200
GET /api/v1/needs                                           200 200 200 200 200 200 200 200 200
GET /api/v1/needs/<need>                                    404 404 404 200 404 404 404 200 200
GET /api/v1/needs/<need>/matches                            404 404 404 200 404 404 404 200 200
GET /api/v1/needs/<need>/responses                          401 404 404 200 404 404 404 200 200
GET /api/v1/openapi.json                                    200 200 200 200 200 200 200 200 200
GET /api/v1/organizations                                   200 200 200 200 200 200 200 200 200
GET /api/v1/organizations/<org>                             200 200 200 200 200 200 200 200 200
GET /api/v1/search                                          200 200 200 200 200 200 200 200 200
GET /api/v1/stats/contracts                                 200 200 200 200 200 200 200 200 200
GET /api/v1/verify/<registration_number>                    422 422 422 422 422 422 422 422 422
GET /brokers                                                200 200 200 200 200 200 200 200 200
GET /brokers/<profile>                                      404 404 404 404 404 404 404 200 200
GET /brokers/<profile>/photo                                404 404 404 404 404 404 404 404 404
GET /brokers/me                                               L 403 403 403 403 200 200 403 403
GET /bureau/achievements                                      L 403 403 403 403 403 403 200 200
GET /bureau/achievements/<achievement>                        L 403 403 403 403 403 403 200 200
GET /bureau/brokers                                           L 403 403 403 403 403 403 200 200
GET /bureau/brokers/<profile>                                 L 403 403 403 403 403 403 200 200
GET /bureau/contracts                                         L 403 403 403 403 403 403 200 200
GET /bureau/contracts/<contract>                              L 403 403 403 403 403 403 200 200
GET /bureau/credit                                            L 403 403 403 403 403 403   R   R
GET /bureau/credit/blacklist                                  L 403 403 403 403 403 403 200 200
GET /bureau/credit/blacklist/new                              L 403 403 403 403 403 403 200 200
GET /bureau/credit/complaints                                 L 403 403 403 403 403 403 200 200
GET /bureau/credit/complaints/<complaint>                     L 403 403 403 403 403 403 200 200
GET /bureau/listings                                          L 403 403 403 403 403 403 200 200
GET /bureau/listings/<listing>                                L 403 403 403 403 403 403 200 200
GET /bureau/needs                                             L 403 403 403 403 403 403 200 200
GET /bureau/needs/<need>                                      L 403 403 403 403 403 403 200 200
GET /bureau/organizations                                     L 403 403 403 403 403 403 200 200
GET /bureau/organizations/<org>                               L 403 403 403 403 403 403 200 200
GET /bureau/supervision                                       L 403 403 403 403 403 403 200 200
GET /bureau/supervision/audit                                 L 403 403 403 403 403 403 200 200
GET /bureau/supervision/overdue                               L 403 403 403 403 403 403 200 200
GET /complaints                                               L 200 200 200 200 200 200   R   R
GET /complaints/<complaint>                                   L 404 404 200 404 200 404 200 200
GET /complaints/new/<deal>                                    L 200 404 200 404 404 403 403 403
GET /contracts                                                L 200 200 200 200 403 403 403 403
GET /contracts/<contract>                                     L 200 404 200 404 404 200 200 200
GET /contracts/<contract>/certificate                         L 404 404 404 404 404 404 404 404
GET /contracts/<contract>/edit                                L 200 404 403 404 404 403 403 403
GET /contracts/new                                            L 200 200 200 200 403 403 403 403
GET /credit                                                 200 200 200 200 200 200 200 200 200
GET /credit/brokers/<user>                                  200 200 200 200 200 200 200 200 200
GET /credit/organizations/<org>                             200 200 200 200 200 200 200 200 200
GET /deals                                                  200 200 200 200 200 200 200 200 200
GET /deals/<deal>                                             L 200 404 200 404 404 200 200 200
GET /deals/<deal>/announcement                              200 200 200 200 200 200 200 200 200
GET /deals/<deal>/certificate                                 L 200 404 200 404 404 200 200 200
GET /deals/mine                                               L 200 200 200 200 200 200 200 200
GET /engagements/                                             L 200 200 200 200 200 200 200 200
GET /engagements/new/<subject>/<subject>                      L 200 404 404 404 404 404 403 403
GET /files/<file>                                             L 200 404 404 404 404 404 200 200
GET /inbox                                                    L 200 200 200 200 200 200 200 200
GET /listings                                               200 200 200 200 200 200 200 200 200
GET /listings/<listing>                                     404 200 404 404 404 404 404 200 200
GET /listings/<listing>/change                                L   R 404 404 404 404 404 403 403
GET /listings/<listing>/edit                                  L 200 404 404 404 404 404 403 403
GET /listings/mine                                            L 200 200 200 200 403 403 403 403
GET /listings/new                                             L 200 200 403 403 403 403 403 403
GET /login                                                  200   R   R   R   R   R   R   R   R
GET /matches                                                  L 403 403 403 403 200 200 200 200
GET /messages                                                 L 200 200 200 200 200 200 200 200
GET /messages/<thread>                                        L 200 404 200 404 404 200 404 404
GET /needs                                                  200 200 200 200 200 200 200 200 200
GET /needs/<need>                                           404 404 404 200 404 404 404 200 200
GET /needs/<need>/edit                                        L 404 404 200 404 404 404 403 403
GET /needs/mine                                               L 200 200 200 200 200 200 403 403
GET /needs/new                                                L 403 403 200 200 403 403 403 403
GET /organizations/<org>                                    200 200 200 200 200 200 200 200 200
GET /organizations/<org>/edit                                 L 200 404 404 404 404 404 404 404
GET /register                                               200   R   R   R   R   R   R   R   R
GET /saved-searches                                           L 200 200 200 200 200 200 200 200
GET /saved-searches/<saved>/run                               L   R 404 404 404 404 404 404 404
GET /saved-searches/unsubscribe/<token>                     404 404 404 404 404 404 404 404 404
GET /search                                                 200 200 200 200 200 200 200 200 200
GET /static/<filename>                                      200 200 200 200 200 200 200 200 200
GET /stats                                                  200 200 200 200 200 200 200 200 200
GET /stats/<name>.csv                                       200 200 200 200 200 200 200 200 200
GET /stats/contracts                                          L 403 403 403 403 403 403 200 200
GET /stats/report.csv                                         L 403 403 403 403 403 403 422 403
GET /verify/<number>                                        200 200 200 200 200 200 200 200 200
POST /account/password                                        L   x   x   x   x   x   x   x   x
POST /achievements/<achievement>/<action>                     L 404   * 404 404 404 404 403 403
POST /achievements/<achievement>/disclosure                   L 404   x   x   x   x   * 404 404
POST /achievements/<achievement>/edit                         L 404   * 404 404 404 404 404 404
POST /achievements/<achievement>/files                        L 404   * 404 404 404 404 403 403
POST /achievements/<achievement>/files/<file>/delete          L 404   * 404 404 404 404 403 403
POST /achievements/disclosures/<request>/<decision>           L 404 404 404 404 404 404 404 404
POST /achievements/new                                        L   x   x 403 403 403 403 403 403
POST /admin/calendar                                          L 403 403 403 403 403 403 403   x
POST /admin/calendar/<day>/delete                             L 403 403 403 403 403 403 403   *
POST /admin/settings                                          L 403 403 403 403 403 403 403   x
POST /admin/users/<user>/active                               L 403 403 403 403 403 403 403   *
POST /admin/users/<user>/role                                 L 403 403 403 403 403 403 403   *
POST /api/v1/achievements                                   401   x   x   x   x   x   x   x   x
PATCH /api/v1/achievements/<achievement>                    401 404   * 404 404 404 404 403 403
POST /api/v1/achievements/<achievement>/files               401 404   * 404 404 404 404 403 403
POST /api/v1/achievements/<achievement>/review              401   x   x   x   x   x   x   x   x
POST /api/v1/achievements/<achievement>/revoke              401 404 403 404 404 404 404   * 403
POST /api/v1/achievements/<achievement>/submit              401 404   * 404 404 404 404 403 403
POST /api/v1/achievements/<achievement>/withdraw            401 404   * 404 404 404 404 403 403
POST /api/v1/blacklist                                      401 403 403 403 403 403 403   x 403
POST /api/v1/blacklist/<entry>/lift                         401 403 403 403 403 403 403   * 403
POST /api/v1/brokers/<profile>/verify                       401   x   x   x   x   x   x   x   x
PUT /api/v1/brokers/me                                      401 403 403 403 403   *   * 403 403
POST /api/v1/brokers/me/photo                               401 404 404 404 404   *   * 404 404
POST /api/v1/complaints/<complaint>/decide                  401   x   x   x   x   x   x   x   x
POST /api/v1/complaints/<complaint>/files                   401 404 404   * 404   * 404 403 403
POST /api/v1/complaints/<complaint>/statement               401   x   x   x   x   x   x   x   x
POST /api/v1/complaints/<complaint>/withdraw                401 404 404   * 404 403 404 403 403
POST /api/v1/contracts                                      401   x   x   x   x   x   x   x   x
PATCH /api/v1/contracts/<contract>                          401   x 404 403 404 404 403 403 403
POST /api/v1/contracts/<contract>/cancel                    401   * 404 403 404 404 403 403 403
POST /api/v1/contracts/<contract>/files                     401   * 404 403 404 404 403 403 403
POST /api/v1/contracts/<contract>/review                    401   x   x   x   x   x   x   x   x
POST /api/v1/contracts/<contract>/revoke                    401   x   x   x   x   x   x   x   x
POST /api/v1/contracts/<contract>/submit                    401   x 404 403 404 404 403 403 403
POST /api/v1/deals/<deal>/complaints                        401   x   x   x   x   x   x   x   x
POST /api/v1/deals/<deal>/engagements                       401   x   x   x   x   x   x   x   x
PUT /api/v1/deals/<deal>/ratings                            401   x   x   x   x   x   x   x   x
POST /api/v1/engagements/<engagement>/accept                401 403 404 404 404 404 404 403 403
POST /api/v1/engagements/<engagement>/decline               401 403 404 404 404 404 404 403 403
POST /api/v1/engagements/<engagement>/end                   401   * 404 404 404 404 404 403 403
POST /api/v1/engagements/<engagement>/withdraw              401   * 404 404 404 404 404 403 403
POST /api/v1/listings                                       401   x   x   x   x   x   x   x   x
PATCH /api/v1/listings/<listing>                            401   * 404 404 404 404 404 403 403
POST /api/v1/listings/<listing>/bids                        401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/confirm                     401   * 404 404 404 404 404 403 403
POST /api/v1/listings/<listing>/decline                     401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/engagements                 401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/intents                     401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/intents/<intent>/decline    401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/intents/<intent>/disqualify 401 403 404 403 404 404 404   x 403
POST /api/v1/listings/<listing>/intents/<intent>/withdraw   401 403 404   * 404 404 404 403 403
POST /api/v1/listings/<listing>/pause                       401 403 404 404 404 404 404   * 403
POST /api/v1/listings/<listing>/renew                       401   * 404 404 404 404 404 403 403
POST /api/v1/listings/<listing>/resume                      401 403 404 404 404 404 404   * 403
POST /api/v1/listings/<listing>/review                      401   x   x   x   x   x   x   x   x
POST /api/v1/listings/<listing>/submit                      401   * 404 404 404 404 404 403 403
POST /api/v1/listings/<listing>/terminate                   401 403 404 404 404 404 404   * 403
POST /api/v1/listings/<listing>/withdraw                    401   * 404 404 404 404 404 403 403
POST /api/v1/needs                                          401   x   x   x   x   x   x   x   x
PATCH /api/v1/needs/<need>                                  401 404 404   * 404 404 404 403 403
POST /api/v1/needs/<need>/engagements                       401   x   x   x   x   x   x   x   x
POST /api/v1/needs/<need>/renew                             401 404 404   * 404 404 404 403 403
POST /api/v1/needs/<need>/resolve                           401 404 404   * 404 404 404 403 403
POST /api/v1/needs/<need>/responses                         401   x   x   x   x   x   x   x   x
POST /api/v1/needs/<need>/responses/<response>/accept       401   x   x   x   x   x   x   x   x
POST /api/v1/needs/<need>/responses/<response>/confirm      401 404   * 403 404 404 404 403 403
POST /api/v1/needs/<need>/responses/<response>/decline      401   x   x   x   x   x   x   x   x
POST /api/v1/needs/<need>/responses/<response>/refuse       401 404   x 403 404 404 404 403 403
POST /api/v1/needs/<need>/responses/<response>/shortlist    401 404 403   * 404 404 404 403 403
POST /api/v1/needs/<need>/responses/<response>/withdraw     401 404   * 403 404 404 404 403 403
POST /api/v1/needs/<need>/review                            401   x   x   x   x   x   x   x   x
POST /api/v1/needs/<need>/submit                            401 404 404   * 404 404 404 403 403
POST /api/v1/needs/<need>/withdraw                          401 404 404   * 404 404 404 403 403
POST /api/v1/organizations/<org>/verify                     401   x   x   x   x   x   x   x   x
POST /api/v1/register                                         x   x   x   x   x   x   x   x   x
POST /api/v1/tokens                                           x   x   x   x   x   x   x   x   x
DELETE /api/v1/tokens/current                               401   *   *   *   *   *   *   *   *
POST /brokers/me                                              L 403 403 403 403   x   x 403 403
POST /brokers/me/cancel                                       L 403 403 403 403   *   * 403 403
POST /bureau/achievements/<achievement>                       L 403 403 403 403 403 403   x   x
POST /bureau/achievements/<achievement>/revoke                L 403 403 403 403 403 403   * 403
POST /bureau/brokers/<profile>                                L 403 403 403 403 403 403   x   x
POST /bureau/contracts/<contract>                             L 403 403 403 403 403 403   x   x
POST /bureau/contracts/<contract>/revoke                      L 403 403 403 403 403 403   * 403
POST /bureau/credit/blacklist/<entry>/lift                    L 403 403 403 403 403 403   * 403
POST /bureau/credit/blacklist/new                             L 403 403 403 403 403 403   x 403
POST /bureau/credit/complaints/<complaint>/decide             L 403 403 403 403 403 403   x 403
POST /bureau/credit/complaints/<complaint>/investigate        L 403 403 403 403 403 403   * 403
POST /bureau/listings/<listing>                               L 403 403 403 403 403 403   x   x
POST /bureau/listings/<listing>/intents/<intent>/disqualify   L 403 403 403 403 403 403   x 403
POST /bureau/listings/<listing>/pause                         L 403 403 403 403 403 403   * 403
POST /bureau/listings/<listing>/resume                        L 403 403 403 403 403 403   * 403
POST /bureau/listings/<listing>/terminate                     L 403 403 403 403 403 403   * 403
POST /bureau/needs/<need>                                     L 403 403 403 403 403 403   x   x
POST /bureau/organizations/<org>                              L 403 403 403 403 403 403   x   x
POST /complaints/<complaint>/evidence                         L 404 404   * 404   * 404 403 403
POST /complaints/<complaint>/statement                        L 404 404 403 404   * 404 403 403
POST /complaints/<complaint>/withdraw                         L 404 404   * 404 403 404 403 403
POST /complaints/new/<deal>                                   L   x 404   x 404 404 403 403 403
POST /contracts/<contract>/cancel                             L   * 404 403 404 404 403 403 403
POST /contracts/<contract>/edit                               L   x 404 403 404 404 403 403 403
POST /contracts/<contract>/file                               L   * 404 403 404 404 403 403 403
POST /contracts/<contract>/submit                             L   * 404 403 404 404 403 403 403
POST /contracts/new                                           L   x   x   x   x 403 403 403 403
POST /engagements/<engagement>/accept                         L 403 404 404 404 404 404 403 403
POST /engagements/<engagement>/decline                        L 403 404 404 404 404 404 403 403
POST /engagements/<engagement>/end                            L   * 404 404 404 404 404 403 403
POST /engagements/<engagement>/withdraw                       L   * 404 404 404 404 404 403 403
POST /engagements/new/<subject>/<subject>                     L   * 404 404 404 404 404 403 403
POST /inbox/<notification>/open                               L   * 404 404 404 404 404 404 404
POST /inbox/read-all                                          L   *   *   *   *   *   *   *   *
POST /listings/<listing>/bids                                 L 403 404 404 404 404 404 403 403
POST /listings/<listing>/change                               L   * 404 404 404 404 404 403 403
POST /listings/<listing>/confirm                              L   * 404 404 404 404 404 403 403
POST /listings/<listing>/decline                              L   * 404 404 404 404 404 403 403
POST /listings/<listing>/edit                                 L   * 404 404 404 404 404 403 403
POST /listings/<listing>/intents                              L 403 404 404 404 404 404 403 403
POST /listings/<listing>/intents/<intent>/decline             L   x 404 403 404 404 404 403 403
POST /listings/<listing>/intents/<intent>/withdraw            L 403 404   * 404 404 404 403 403
POST /listings/<listing>/renew                                L   * 404 404 404 404 404 403 403
POST /listings/<listing>/submit                               L   * 404 404 404 404 404 403 403
POST /listings/<listing>/withdraw                             L   * 404 404 404 404 404 403 403
POST /listings/new                                            L   x   x 403 403 403 403 403 403
POST /login                                                   x   *   *   *   *   *   *   *   *
POST /logout                                                  L   *   *   *   *   *   *   *   *
POST /messages/<thread>                                       L   x 404   x 404 404   x 404 404
POST /messages/start                                          L 404 404 404 404 404 404 404 404
POST /needs/<need>/edit                                       L 404 404   * 404 404 404 403 403
POST /needs/<need>/renew                                      L 404 404   * 404 404 404 403 403
POST /needs/<need>/resolve                                    L 404 404   * 404 404 404 403 403
POST /needs/<need>/responses                                  L 404 404 403 404 404 404 403 403
POST /needs/<need>/responses/<response>/accept                L 404 403   x 404 404 404 403 403
POST /needs/<need>/responses/<response>/confirm               L 404   * 403 404 404 404 403 403
POST /needs/<need>/responses/<response>/decline               L 404 403   x 404 404 404 403 403
POST /needs/<need>/responses/<response>/refuse                L 404   x 403 404 404 404 403 403
POST /needs/<need>/responses/<response>/shortlist             L 404 403   * 404 404 404 403 403
POST /needs/<need>/responses/<response>/withdraw              L 404   * 403 404 404 404 403 403
POST /needs/<need>/submit                                     L 404 404   * 404 404 404 403 403
POST /needs/<need>/withdraw                                   L 404 404   * 404 404 404 403 403
POST /needs/new                                               L 403 403   x   x 403 403 403 403
POST /organizations/<org>/edit                                L   x 404 404 404 404 404 404 404
POST /ratings/deals/<deal>/<kind>/<target>                    L   x 404   * 404 404 403 403 403
POST /register                                                x   *   *   *   *   *   *   *   *
POST /saved-searches                                          L   *   *   *   *   *   *   *   *
POST /saved-searches/<saved>/delete                           L   * 404 404 404 404 404 404 404
POST /saved-searches/<saved>/frequency                        L 404 404 404 404 404 404 404 404
POST /saved-searches/unsubscribe/<token>                    404 404 404 404 404 404 404 404 404
"""



def parse(table):
    rows = {}
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        method, rule, *outcomes = line.split()
        rows[f"{method} {rule}"] = dict(zip(ROLES, outcomes, strict=True))
    return rows


EXPECTED = parse(MATRIX)
# Pages' file fields and the API's multipart endpoints get a real file, so that an upload by
# the wrong user reaches the permission check instead of stopping at "choose a file".
API_MULTIPART = {("/api/v1" + route.rule, route.method) for route in ROUTES if route.multipart}


def key_of(method, rule):
    """`POST /listings/<listing>/bids` for the rule `/listings/<int:listing_id>/bids`."""
    import re

    return f"{method} " + re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+?)(?:_id)?>", r"<\1>",
                                 rule)


def routes(app):
    """(method, rule) for every rule of the app, HEAD and OPTIONS aside."""
    return [(method, rule) for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            for method in world_ids.methods_of(rule)]


def body(method, rule):
    if method == "GET":
        return {}
    if not rule.rule.startswith("/api/"):
        return {"data": {"file": (io.BytesIO(PDF), "x.pdf"), "evidence": (io.BytesIO(PDF), "e.pdf"),
                         "photo": (io.BytesIO(PNG), "p.png"), "kind": "evaluation_proof"}}
    if (rule.rule, method) in API_MULTIPART:
        return {"data": {"file": (io.BytesIO(PDF), "x.pdf"), "kind": "evaluation_proof"}}
    return {"json": {}}


def outcome(response):
    if 300 <= response.status_code < 400:
        return "L" if response.headers["Location"].startswith("/login") else "R"
    return str(response.status_code)


def as_expected(response, expected):
    if expected == "*":
        return response.status_code < 500
    if expected == "x":
        return response.status_code in (400, 422)
    return outcome(response) == expected


def setup_world(world):
    world_ids.add_records(world)
    payloads.inject()


@pytest.fixture(scope="module")
def world(world_dir):
    built = build_world(world_dir, setup_world)
    yield built
    tear_down(built)


def test_every_route_has_a_rule(app):
    """A new route (or a new method on one) needs its row in MATRIX; a removed one, its row
    removed."""
    keys = {key_of(method, rule.rule) for method, rule in routes(app)}
    assert sorted(keys - set(EXPECTED)) == [], "routes without a row in MATRIX"
    assert sorted(set(EXPECTED) - keys) == [], "rows of MATRIX without a route"


def check(world, role, reading):
    """Runs the role's column of MATRIX; returns how many pages showed the hostile text
    (escaped), so that the absence of live markup means something."""
    problems, showing = [], 0
    for method, rule in routes(world.app):
        if (method == "GET") != reading:
            continue
        url = world_ids.url_of(world, rule, method)
        expected = EXPECTED[key_of(method, rule.rule)][role]
        kwargs = body(method, rule)
        if method == "DELETE" and rule.rule == "/api/v1/tokens/current" and ROLES[role]:
            kwargs["headers"] = {"Authorization": f"Bearer {world.fresh_token(role)}"}
        response = world.request(role, method, url, **kwargs)
        if not as_expected(response, expected):
            problems.append(f"{method} {url}: {outcome(response)}, expected {expected}")
        if response.mimetype == "text/html":
            live = payloads.live_markup(response.get_data(as_text=True))
            if live:
                problems.append(f"{method} {url}: live markup {live}")
            showing += payloads.shown_escaped(response.get_data(as_text=True))
        if url.startswith("/api/") and response.status_code < 300 and response.data:
            if response.mimetype != "application/json":
                problems.append(f"{method} {url}: {response.mimetype}, not JSON")
    assert not problems, "\n".join(problems)
    return showing


@pytest.mark.parametrize("role", ROLES)
def test_reading_every_page(world, role):
    """Every GET route as `role`: the status of MATRIX, and the hostile text inert."""
    showing = check(world, role, reading=True)
    assert showing >= (10 if role == "anon" else 15)


@pytest.mark.parametrize("path", [
    "/search?q={q}", "/search?q=煤{q}", "/search?q=煤&type={q}&sort={q}", "/listings?q={q}",
    "/needs?q={q}", "/achievements?q={q}", "/brokers?q={q}", "/deals?q={q}",
    "/stats?county={q}&year={q}", "/login?next={q}", "/verify/{q}", "/api/v1/search?q={q}",
    "/search?q=煤", "/search?q=技术", "/search?q=alert", "/search?q=script",
])
def test_queries_and_search_results_are_inert(world, path):
    """Reflected text (queries, filters, next) and search results with highlights, whose
    records carry the hostile text."""
    from urllib.parse import quote

    for payload in payloads.PAYLOADS:
        for role in ("anon", "inst"):
            response = world.request(role, "GET", path.format(q=quote(payload)))
            assert response.status_code < 500, (path, response.status_code)
            if path.startswith("/api/"):  # data for a client to escape: JSON, never sniffed
                assert response.mimetype == "application/json"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
            else:
                body = response.get_data(as_text=True)
                assert payloads.live_markup(body) == [], (path, payload)


def csv_cells(response):
    import csv

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)))
            for cell in row]


def test_csv_exports_defuse_formulas(world):
    """Contract titles and parties' names (the report) and broker names (the statistics'
    tables) start with =, @, + or -: a spreadsheet must read them as text, not formulas."""
    from marketplace import clock
    from marketplace.contracts.models import Contract
    from marketplace.extensions import db

    with world.app.app_context():
        months = {(moment.astimezone(clock.LOCAL_TZ).year, moment.astimezone(clock.LOCAL_TZ).month)
                  for moment in db.session.scalars(db.select(Contract.certified_at).where(
                      Contract.certified_at.is_not(None)))}
    bureau = world.client("bureau")
    cells = []
    for year, month in sorted(months):
        cells += csv_cells(bureau.get(f"/stats/report.csv?year={year}&month={month}"))
    for name in ("summary", "type", "brokers", "achievements", "targets"):
        cells += csv_cells(bureau.get(f"/stats/{name}.csv?year={max(months)[0]}"))
    hostile = [cell for cell in cells if any(p.lstrip("=@+-") in cell
                                              for p in payloads.PAYLOADS)]
    assert hostile, "the report shows the injected names"
    live = [cell for cell in cells if cell[:1] in payloads.FORMULA_STARTS + ("\t", "\r")
            and not cell.lstrip("-").replace(".", "", 1).isdigit()]
    assert live == []


# The bureau's decisions with VALID bodies (the matrix's empty bodies stop at validation in
# the API): everyone else is refused, and nothing changes. Records awaiting a decision.
DECISIONS = {
    "/api/v1/achievements/12/review": {"decision": "register", "comment": "x"},
    "/api/v1/listings/16/review": {"decision": "approve"},
    "/api/v1/needs/9/review": {"decision": "publish"},
    "/api/v1/contracts/64/review": {"decision": "certify"},
    "/api/v1/brokers/8/verify": {"decision": "verify"},
    "/api/v1/complaints/3/decide": {"decision": "dismiss", "reason": "x"},
    "/api/v1/organizations/6/verify": {"decision": "verify"},
    "/api/v1/blacklist": {"org_id": 2, "reason": "x"},
}


@pytest.mark.parametrize("url", DECISIONS)
def test_only_the_bureau_decides(world, url):
    refused = {}
    for role in ROLES:
        if role in ("bureau",):
            continue
        response = world.request(role, "POST", url, json=DECISIONS[url])
        refused[role] = response.status_code
    assert set(refused.values()) <= {401, 403, 404}, refused
    assert refused["anon"] == 401


@pytest.mark.parametrize("role", ROLES)
def test_acting_on_every_route(world, role):
    """Every POST/PUT/PATCH/DELETE route as `role`: refused exactly as MATRIX says, never a
    500. (After the reading tests: these change the world.)"""
    check(world, role, reading=False)
