//! The labels of every code of every vocabulary of the domain (`qorgau_domain::vocabulary`),
//! in Kazakh, Russian and English — in that order in each entry. The test in `labels` fails
//! for a code of the domain without its three labels, and for a label of no code.
//!
//! Notification kinds are not here: their words are the domain's (`NotificationKind::words`,
//! which the mails use too), and the catalogue takes them from there.

/// Vocabulary → code → [kk, ru, en].
pub(super) type Entry = (&'static str, [&'static str; 3]);

pub(super) static CODES: &[(&str, &[Entry])] = &[
    (
        "role",
        &[
            ("admin", ["Әкімші", "Администратор", "Administrator"]),
            (
                "mobile_group_member",
                [
                    "Мобильді топ мүшесі",
                    "Член мобильной группы",
                    "Mobile-group member",
                ],
            ),
            (
                "intake_coordinator",
                [
                    "Қабылдау үйлестірушісі",
                    "Координатор приёма",
                    "Intake coordinator",
                ],
            ),
            (
                "case_manager",
                ["Кейс-менеджер", "Кейс-менеджер", "Case manager"],
            ),
            ("specialist", ["Маман", "Специалист", "Specialist"]),
            ("supervisor", ["Супервайзер", "Супервайзер", "Supervisor"]),
            ("analyst", ["Талдаушы", "Аналитик", "Analyst"]),
            ("integration", ["Интеграция", "Интеграция", "Integration"]),
        ],
    ),
    (
        "concern",
        &[
            (
                "violence_physical",
                [
                    "Физикалық зорлық-зомбылық",
                    "Физическое насилие",
                    "Physical violence",
                ],
            ),
            (
                "violence_sexual",
                [
                    "Жыныстық зорлық-зомбылық",
                    "Сексуальное насилие",
                    "Sexual violence",
                ],
            ),
            (
                "violence_psychological",
                [
                    "Психологиялық зорлық-зомбылық",
                    "Психологическое насилие",
                    "Psychological violence",
                ],
            ),
            (
                "neglect",
                ["Қараусыз қалдыру", "Пренебрежение нуждами", "Neglect"],
            ),
            ("bullying", ["Буллинг", "Буллинг", "Bullying"]),
            (
                "cyberbullying",
                ["Кибербуллинг", "Кибербуллинг", "Cyberbullying"],
            ),
            (
                "suicide_risk",
                ["Суицид қаупі", "Суицидальный риск", "Suicide risk"],
            ),
            (
                "trafficking",
                ["Адам саудасы", "Торговля людьми", "Trafficking"],
            ),
            (
                "child_labour",
                ["Балалар еңбегі", "Детский труд", "Child labour"],
            ),
            (
                "vagrancy_begging",
                [
                    "Қаңғыбастық, қайыршылық",
                    "Бродяжничество, попрошайничество",
                    "Vagrancy, begging",
                ],
            ),
            ("addiction", ["Тәуелділік", "Зависимость", "Addiction"]),
            (
                "out_of_school",
                ["Мектепке бармау", "Вне школы", "Out of school"],
            ),
            (
                "early_pregnancy",
                ["Ерте жүктілік", "Ранняя беременность", "Early pregnancy"],
            ),
            (
                "offending",
                [
                    "Заңмен қайшылықтағы бала",
                    "Ребёнок в конфликте с законом",
                    "Child in conflict with the law",
                ],
            ),
            (
                "family_crisis",
                [
                    "Отбасының қиын өмірлік жағдайы",
                    "Семья в трудной жизненной ситуации",
                    "Family in a difficult life situation",
                ],
            ),
            (
                "without_parental_care",
                [
                    "Ата-ана қамқорлығынсыз",
                    "Без попечения родителей",
                    "Without parental care",
                ],
            ),
            (
                "unaccompanied_migrant",
                [
                    "Ілеспесіз мигрант бала",
                    "Несопровождаемый ребёнок-мигрант",
                    "Unaccompanied migrant child",
                ],
            ),
            (
                "disability_support",
                [
                    "Мүгедектікке байланысты қолдау",
                    "Поддержка при инвалидности",
                    "Disability support",
                ],
            ),
            (
                "care_leaver",
                [
                    "Интернат түлегі",
                    "Выпускник интернатного учреждения",
                    "Care leaver",
                ],
            ),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "signal_source",
        &[
            (
                "mobile_group",
                ["Мобильді топ", "Мобильная группа", "Mobile group"],
            ),
            (
                "contact_centre_111",
                [
                    "111 байланыс орталығы",
                    "Контакт-центр 111",
                    "111 contact centre",
                ],
            ),
            (
                "qr_111",
                ["QR-111 өтініші", "Обращение QR-111", "QR-111 self-referral"],
            ),
            ("school", ["Мектеп", "Школа", "School"]),
            ("health", ["Денсаулық сақтау", "Здравоохранение", "Health"]),
            ("police", ["Полиция", "Полиция", "Police"]),
            (
                "school_diagnostics",
                [
                    "Мектептегі диагностика",
                    "Школьная диагностика",
                    "School diagnostics",
                ],
            ),
            (
                "cctv_ai",
                [
                    "Бейнебақылау (ЖИ) дабылы",
                    "Сигнал видеонаблюдения (ИИ)",
                    "AI-CCTV alert",
                ],
            ),
            ("commission", ["Комиссия", "Комиссия", "Commission"]),
            (
                "self_referral",
                ["Өзі жүгінген", "Самообращение", "Self-referral"],
            ),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "risk_level",
        &[
            ("critical", ["Өте жоғары", "Критический", "Critical"]),
            ("high", ["Жоғары", "Высокий", "High"]),
            ("medium", ["Орташа", "Средний", "Medium"]),
            ("low", ["Төмен", "Низкий", "Low"]),
        ],
    ),
    (
        "signal_status",
        &[
            ("received", ["Қабылданды", "Получен", "Received"]),
            ("case_opened", ["Кейс ашылды", "Открыт кейс", "Case opened"]),
            (
                "linked",
                [
                    "Кейске байланыстырылды",
                    "Привязан к кейсу",
                    "Linked to a case",
                ],
            ),
            ("screened_out", ["Қабылданбады", "Отсеян", "Screened out"]),
        ],
    ),
    (
        "triage_decision",
        &[
            ("open_case", ["Кейс ашу", "Открыть кейс", "Open a case"]),
            (
                "link_case",
                [
                    "Ашық кейске байланыстыру",
                    "Привязать к открытому кейсу",
                    "Link to an open case",
                ],
            ),
            (
                "screen_out",
                [
                    "Себебін көрсетіп қабылдамау",
                    "Отсеять с указанием причины",
                    "Screen out with a reason",
                ],
            ),
        ],
    ),
    (
        "case_status",
        &[
            ("intake", ["Қабылдау", "Приём", "Intake"]),
            ("assessment", ["Бағалау", "Оценка", "Assessment"]),
            ("planning", ["Жоспарлау", "Планирование", "Planning"]),
            (
                "in_progress",
                ["Сүйемелдеу", "Сопровождение", "In progress"],
            ),
            (
                "monitoring",
                [
                    "Мониторинг (оңалту)",
                    "Мониторинг (реабилитация)",
                    "Monitoring",
                ],
            ),
            (
                "closure_requested",
                ["Жабу сұралды", "Запрошено закрытие", "Closure requested"],
            ),
            ("closed", ["Жабық", "Закрыт", "Closed"]),
        ],
    ),
    (
        "transfer_status",
        &[
            ("pending", ["Күтуде", "Ожидает", "Pending"]),
            ("accepted", ["Қабылданды", "Принят", "Accepted"]),
            ("declined", ["Бас тартылды", "Отклонён", "Declined"]),
        ],
    ),
    (
        "closure_reason",
        &[
            (
                "goals_achieved",
                [
                    "Мақсаттарға қол жеткізілді",
                    "Цели достигнуты",
                    "Goals achieved",
                ],
            ),
            (
                "risk_eliminated",
                ["Қауіп жойылды", "Риск устранён", "Risk eliminated"],
            ),
            (
                "transferred",
                [
                    "Басқа өңірге берілді",
                    "Передан в другой регион",
                    "Transferred",
                ],
            ),
            (
                "turned_18",
                ["18 жасқа толды", "Исполнилось 18 лет", "Turned 18"],
            ),
            (
                "moved_abroad",
                ["Шетелге көшті", "Выехал за рубеж", "Moved abroad"],
            ),
            (
                "child_died",
                ["Бала қайтыс болды", "Ребёнок умер", "Child died"],
            ),
            (
                "family_declined_no_grounds",
                [
                    "Отбасы бас тартты, негіз жоқ",
                    "Семья отказалась, оснований нет",
                    "Family declined, no grounds",
                ],
            ),
            ("duplicate", ["Қайталанған кейс", "Дубликат", "Duplicate"]),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "follow_up_outcome",
        &[
            ("stable", ["Жағдай тұрақты", "Ситуация стабильна", "Stable"]),
            (
                "concerns",
                ["Алаңдаушылық бар", "Есть опасения", "Concerns"],
            ),
        ],
    ),
    (
        "assessment_kind",
        &[
            (
                "initial",
                ["Бастапқы бағалау", "Первичная оценка", "Initial assessment"],
            ),
            (
                "comprehensive",
                [
                    "Кешенді бағалау",
                    "Комплексная оценка",
                    "Comprehensive assessment",
                ],
            ),
        ],
    ),
    (
        "assessment_domain",
        &[
            ("safety", ["Қауіпсіздік", "Безопасность", "Safety"]),
            ("health", ["Денсаулық", "Здоровье", "Health"]),
            ("education", ["Білім", "Образование", "Education"]),
            ("family", ["Отбасы", "Семья", "Family"]),
            (
                "psycho_emotional",
                [
                    "Психоэмоционалдық жағдай",
                    "Психоэмоциональное состояние",
                    "Psycho-emotional",
                ],
            ),
            ("legal", ["Құқықтық", "Правовая сфера", "Legal"]),
            (
                "material",
                ["Материалдық жағдай", "Материальное положение", "Material"],
            ),
        ],
    ),
    (
        "need_level",
        &[
            ("none", ["Қажеттілік жоқ", "Нет потребности", "None"]),
            ("low", ["Төмен", "Низкая", "Low"]),
            ("medium", ["Орташа", "Средняя", "Medium"]),
            ("high", ["Жоғары", "Высокая", "High"]),
        ],
    ),
    (
        "assistance_kind",
        &[
            ("medical", ["Медициналық", "Медицинская", "Medical"]),
            (
                "psychological",
                ["Психологиялық", "Психологическая", "Psychological"],
            ),
            (
                "pedagogical",
                ["Педагогикалық", "Педагогическая", "Pedagogical"],
            ),
            ("social", ["Әлеуметтік", "Социальная", "Social"]),
            ("legal", ["Құқықтық", "Правовая", "Legal"]),
        ],
    ),
    (
        "plan_status",
        &[
            ("draft", ["Жоба", "Черновик", "Draft"]),
            ("approved", ["Бекітілді", "Утверждён", "Approved"]),
            ("rejected", ["Қайтарылды", "Возвращён", "Rejected"]),
            ("superseded", ["Ауыстырылды", "Заменён", "Superseded"]),
        ],
    ),
    (
        "plan_review_decision",
        &[("unchanged", ["Өзгеріссіз", "Без изменений", "Unchanged"])],
    ),
    (
        "intervention_kind",
        &[
            (
                "home_visit",
                ["Үйге бару", "Посещение на дому", "Home visit"],
            ),
            (
                "consultation",
                ["Кеңес беру", "Консультация", "Consultation"],
            ),
            (
                "psychological_session",
                [
                    "Психологиялық сессия",
                    "Психологическая сессия",
                    "Psychological session",
                ],
            ),
            (
                "medical_care",
                ["Медициналық көмек", "Медицинская помощь", "Medical care"],
            ),
            (
                "pedagogical_support",
                [
                    "Педагогикалық қолдау",
                    "Педагогическая поддержка",
                    "Pedagogical support",
                ],
            ),
            (
                "social_support",
                [
                    "Әлеуметтік қолдау",
                    "Социальная поддержка",
                    "Social support",
                ],
            ),
            (
                "legal_aid",
                ["Заң көмегі", "Юридическая помощь", "Legal aid"],
            ),
            (
                "benefit_application",
                [
                    "Жәрдемақыға өтініш",
                    "Заявление на пособие",
                    "Benefit application",
                ],
            ),
            ("placement", ["Орналастыру", "Устройство", "Placement"]),
            ("mediation", ["Медиация", "Медиация", "Mediation"]),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "referral_status",
        &[
            ("pending", ["Күтуде", "Ожидает ответа", "Pending"]),
            ("accepted", ["Қабылданды", "Принято", "Accepted"]),
            ("declined", ["Бас тартылды", "Отклонено", "Declined"]),
            ("completed", ["Орындалды", "Выполнено", "Completed"]),
            ("withdrawn", ["Кері қайтарылды", "Отозвано", "Withdrawn"]),
        ],
    ),
    (
        "referral_kind",
        &[
            ("referral", ["Жолдама", "Направление", "Referral"]),
            ("notification", ["Хабарлама", "Уведомление", "Notification"]),
        ],
    ),
    (
        "override_basis",
        &[
            (
                "threat_to_life_or_health",
                [
                    "Өмірге немесе денсаулыққа қауіп",
                    "Угроза жизни или здоровью",
                    "Threat to life or health",
                ],
            ),
            ("court_order", ["Сот шешімі", "Решение суда", "Court order"]),
            (
                "legal_duty",
                ["Заңды міндет", "Обязанность по закону", "Legal duty"],
            ),
        ],
    ),
    (
        "deadline_kind",
        &[
            (
                "triage",
                ["Сигналды қарау", "Решение по сигналу", "Triage decision"],
            ),
            (
                "assignment",
                [
                    "Кейс-менеджер тағайындау",
                    "Назначение кейс-менеджера",
                    "Case assigned",
                ],
            ),
            (
                "first_contact",
                [
                    "Баламен алғашқы байланыс",
                    "Первый контакт с ребёнком",
                    "First contact",
                ],
            ),
            (
                "initial_assessment",
                ["Бастапқы бағалау", "Первичная оценка", "Initial assessment"],
            ),
            (
                "comprehensive_assessment",
                [
                    "Кешенді бағалау",
                    "Комплексная оценка",
                    "Comprehensive assessment",
                ],
            ),
            (
                "plan_approval",
                ["Жоспарды бекіту", "Утверждение плана", "Plan approval"],
            ),
            (
                "plan_review",
                ["Жоспарды қайта қарау", "Пересмотр плана", "Plan review"],
            ),
            (
                "referral_response",
                [
                    "Жолдамаға жауап",
                    "Ответ на направление",
                    "Referral response",
                ],
            ),
            (
                "follow_up",
                [
                    "Жабудан кейінгі бақылау",
                    "Контроль после закрытия",
                    "Post-closure follow-up",
                ],
            ),
        ],
    ),
    (
        "deadline_status",
        &[
            ("pending", ["Күтуде", "Ожидает", "Pending"]),
            ("met", ["Орындалды", "Выполнен", "Met"]),
            ("cancelled", ["Жойылды", "Отменён", "Cancelled"]),
        ],
    ),
    (
        "clock_start",
        &[
            (
                "signal_received",
                [
                    "Сигнал түскен кезден",
                    "С получения сигнала",
                    "Signal received",
                ],
            ),
            (
                "case_opened",
                ["Кейс ашылған кезден", "С открытия кейса", "Case opened"],
            ),
            (
                "comprehensive_assessment",
                [
                    "Кешенді бағалаудан кейін",
                    "После комплексной оценки",
                    "Comprehensive assessment",
                ],
            ),
            (
                "plan_approved",
                [
                    "Жоспар бекітілгеннен кейін",
                    "После утверждения плана",
                    "Plan approved",
                ],
            ),
            (
                "referral_sent",
                [
                    "Жолдама жіберілгеннен кейін",
                    "С отправки направления",
                    "Referral sent",
                ],
            ),
            (
                "case_closed",
                [
                    "Кейс жабылғаннан кейін",
                    "После закрытия кейса",
                    "Case closed",
                ],
            ),
        ],
    ),
    (
        "route_action",
        &[
            ("notify", ["Хабарлау", "Уведомить", "Notify"]),
            ("refer", ["Жолдама беру", "Направить", "Refer"]),
        ],
    ),
    (
        "measure_status",
        &[
            ("pending", ["Орындалуда", "В работе", "Pending"]),
            ("done", ["Орындалды", "Выполнено", "Done"]),
            ("overdue", ["Мерзімі өтті", "Просрочено", "Overdue"]),
        ],
    ),
    (
        "placement_type",
        &[
            (
                "temporary_shelter",
                ["Уақытша баспана", "Временный приют", "Temporary shelter"],
            ),
            (
                "child_support_centre",
                [
                    "Балаларды қолдау орталығы",
                    "Центр поддержки детей",
                    "Child-support centre",
                ],
            ),
            (
                "juvenile_adaptation_centre",
                [
                    "Кәмелетке толмағандарды бейімдеу орталығы",
                    "Центр адаптации несовершеннолетних",
                    "Juvenile adaptation centre",
                ],
            ),
            ("guardianship", ["Қамқоршылық", "Опека", "Guardianship"]),
            (
                "patronat_family",
                ["Патронаттық отбасы", "Патронатная семья", "Patronat family"],
            ),
            (
                "receiving_family",
                ["Қабылдаушы отбасы", "Приёмная семья", "Receiving family"],
            ),
            (
                "professional_receiving_family",
                [
                    "Кәсіби қабылдаушы отбасы",
                    "Профессиональная приёмная семья",
                    "Professional receiving family",
                ],
            ),
            ("adoption", ["Бала асырап алу", "Усыновление", "Adoption"]),
            (
                "return_to_family",
                [
                    "Отбасына қайтару",
                    "Возвращение в семью",
                    "Return to family",
                ],
            ),
        ],
    ),
    (
        "placement_end_reason",
        &[
            (
                "planned_end",
                ["Жоспарлы аяқталу", "Плановое окончание", "Planned end"],
            ),
            (
                "return_to_family",
                [
                    "Отбасына қайтару",
                    "Возвращение в семью",
                    "Return to family",
                ],
            ),
            ("adoption", ["Бала асырап алу", "Усыновление", "Adoption"]),
            (
                "breakdown",
                ["Орналастырудың бұзылуы", "Срыв устройства", "Breakdown"],
            ),
            (
                "turned_18",
                ["18 жасқа толды", "Исполнилось 18 лет", "Turned 18"],
            ),
            (
                "transferred",
                ["Басқа жерге берілді", "Передан", "Transferred"],
            ),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "interview_present",
        &[
            ("psychologist", ["Психолог", "Психолог", "Psychologist"]),
            (
                "legal_representative",
                [
                    "Заңды өкіл",
                    "Законный представитель",
                    "Legal representative",
                ],
            ),
            ("pedagogue", ["Педагог", "Педагог", "Pedagogue"]),
            ("investigator", ["Тергеуші", "Следователь", "Investigator"]),
            ("prosecutor", ["Прокурор", "Прокурор", "Prosecutor"]),
            ("lawyer", ["Адвокат", "Адвокат", "Lawyer"]),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "family_relation",
        &[
            ("child", ["Бала", "Ребёнок", "Child"]),
            ("sibling", ["Бауыр", "Брат или сестра", "Sibling"]),
            (
                "half_sibling",
                ["Бір жақты бауыр", "Сводный брат или сестра", "Half-sibling"],
            ),
            ("mother", ["Ана", "Мать", "Mother"]),
            ("father", ["Әке", "Отец", "Father"]),
            ("guardian", ["Қамқоршы", "Опекун", "Guardian"]),
            (
                "grandparent",
                ["Ата немесе әже", "Бабушка или дедушка", "Grandparent"],
            ),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "sex",
        &[
            ("male", ["Ер", "Мужской", "Male"]),
            ("female", ["Әйел", "Женский", "Female"]),
        ],
    ),
    (
        "note_kind",
        &[
            (
                "contact",
                ["Байланыс жазбасы", "Запись о контакте", "Contact note"],
            ),
            (
                "supervision",
                [
                    "Супервизия жазбасы",
                    "Запись супервизии",
                    "Supervision note",
                ],
            ),
        ],
    ),
    (
        "flag_kind",
        &[
            ("watch", ["Бақылауда", "На контроле", "Watch"]),
            (
                "court_pending",
                [
                    "Сот шешімін күтуде",
                    "Ожидает решения суда",
                    "Court pending",
                ],
            ),
            (
                "media_attention",
                ["БАҚ назарында", "Внимание СМИ", "Media attention"],
            ),
            (
                "special_supervision",
                ["Ерекше бақылау", "Особый контроль", "Special supervision"],
            ),
        ],
    ),
    (
        "document_kind",
        &[
            (
                "court_decision",
                ["Сот шешімі", "Решение суда", "Court decision"],
            ),
            (
                "commission_decision",
                ["Комиссия шешімі", "Решение комиссии", "Commission decision"],
            ),
            (
                "medical_certificate",
                [
                    "Медициналық анықтама",
                    "Медицинская справка",
                    "Medical certificate",
                ],
            ),
            (
                "signed_consent",
                [
                    "Қол қойылған келісім",
                    "Подписанное согласие",
                    "Signed consent",
                ],
            ),
            ("photo", ["Фотосурет", "Фотография", "Photo"]),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "media_type",
        &[
            (
                "application/pdf",
                ["PDF құжаты", "Документ PDF", "PDF document"],
            ),
            (
                "image/jpeg",
                ["JPEG суреті", "Изображение JPEG", "JPEG image"],
            ),
            ("image/png", ["PNG суреті", "Изображение PNG", "PNG image"]),
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                [
                    "Word құжаты (DOCX)",
                    "Документ Word (DOCX)",
                    "Word document (DOCX)",
                ],
            ),
            (
                "application/vnd.oasis.opendocument.text",
                ["ODT құжаты", "Документ ODT", "ODT document"],
            ),
        ],
    ),
    (
        "organisation_kind",
        &[
            (
                "child_rights_department",
                [
                    "Балалардың құқықтарын қорғау басқармасы",
                    "Управление по защите прав детей",
                    "Child-rights department",
                ],
            ),
            (
                "family_support_centre",
                [
                    "Отбасын қолдау орталығы (ОҚО)",
                    "Центр поддержки семьи (ЦПС)",
                    "Family-support centre",
                ],
            ),
            (
                "mobile_group",
                ["Мобильді топ", "Мобильная группа", "Mobile group"],
            ),
            (
                "psychological_support_centre",
                [
                    "Психологиялық қолдау орталығы (ПҚО)",
                    "Центр психологической поддержки",
                    "Psychological-support centre",
                ],
            ),
            ("school", ["Мектеп", "Школа", "School"]),
            (
                "health",
                [
                    "Денсаулық сақтау ұйымы",
                    "Организация здравоохранения",
                    "Health organisation",
                ],
            ),
            (
                "mental_health_centre",
                [
                    "Психикалық денсаулық орталығы",
                    "Центр психического здоровья",
                    "Mental-health centre",
                ],
            ),
            (
                "youth_health_centre",
                [
                    "Жастардың денсаулық орталығы (ЖДО)",
                    "Молодёжный центр здоровья",
                    "Youth health centre",
                ],
            ),
            (
                "crisis_centre",
                ["Дағдарыс орталығы", "Кризисный центр", "Crisis centre"],
            ),
            (
                "assistance_room",
                [
                    "Балаларға көмек көрсету бөлмесі",
                    "Комната помощи детям",
                    "Assistance room",
                ],
            ),
            ("police", ["Полиция", "Полиция", "Police"]),
            (
                "commission",
                [
                    "Кәмелетке толмағандардың істері жөніндегі комиссия",
                    "Комиссия по делам несовершеннолетних",
                    "Commission on minors' affairs",
                ],
            ),
            (
                "guardianship_authority",
                [
                    "Қорғаншылық және қамқоршылық органы",
                    "Орган опеки и попечительства",
                    "Guardianship authority",
                ],
            ),
            (
                "education_department",
                ["Білім бөлімі", "Отдел образования", "Education department"],
            ),
            (
                "contact_centre",
                ["Байланыс орталығы", "Контакт-центр", "Contact centre"],
            ),
            ("ngo", ["ҮЕҰ", "НПО", "NGO"]),
            ("other", ["Басқа", "Другое", "Other"]),
        ],
    ),
    (
        "task_kind",
        &[
            (
                "first_contact",
                [
                    "Баламен алғашқы байланыс",
                    "Первый контакт с ребёнком",
                    "First contact",
                ],
            ),
            (
                "initial_assessment",
                ["Бастапқы бағалау", "Первичная оценка", "Initial assessment"],
            ),
            (
                "comprehensive_assessment",
                [
                    "Кешенді бағалау",
                    "Комплексная оценка",
                    "Comprehensive assessment",
                ],
            ),
            (
                "plan_approval",
                [
                    "Жоспарды бекітуге жіберу",
                    "Подготовить план к утверждению",
                    "Plan approval",
                ],
            ),
            (
                "plan_review",
                ["Жоспарды қайта қарау", "Пересмотр плана", "Plan review"],
            ),
            (
                "follow_up",
                [
                    "Жабудан кейінгі бақылау",
                    "Контроль после закрытия",
                    "Follow-up",
                ],
            ),
            (
                "plan_returned",
                ["Жоспар қайтарылды", "План возвращён", "Plan returned"],
            ),
            (
                "closure_returned",
                ["Жабу қайтарылды", "Закрытие возвращено", "Closure returned"],
            ),
            (
                "plan_decision",
                ["Жоспар бойынша шешім", "Решение по плану", "Plan decision"],
            ),
            (
                "closure_decision",
                [
                    "Жабу бойынша шешім",
                    "Решение о закрытии",
                    "Closure decision",
                ],
            ),
            (
                "incoming_transfer",
                ["Кіріс беру", "Входящая передача", "Incoming transfer"],
            ),
            (
                "lapsed_deadline",
                [
                    "Мерзімі өткен жұмыс",
                    "Просроченный срок",
                    "Lapsed deadline",
                ],
            ),
            (
                "routing_gap",
                ["Бағыттау олқылығы", "Пробел маршрутизации", "Routing gap"],
            ),
            (
                "reopen_decision",
                [
                    "Қайта ашу туралы шешім",
                    "Решение о повторном открытии",
                    "Reopen decision",
                ],
            ),
            (
                "assignment",
                [
                    "Кейс-менеджер тағайындау",
                    "Назначить кейс-менеджера",
                    "Assignment",
                ],
            ),
            ("triage", ["Сигналды қарау", "Рассмотреть сигнал", "Triage"]),
            (
                "referral_response",
                [
                    "Жолдамаға жауап беру",
                    "Ответить на направление",
                    "Referral response",
                ],
            ),
            (
                "referral_in_progress",
                [
                    "Жолдама бойынша жұмыс",
                    "Работа по направлению",
                    "Referral in progress",
                ],
            ),
            (
                "commission_measure",
                ["Комиссия шарасы", "Мера комиссии", "Commission measure"],
            ),
        ],
    ),
    (
        "email_preference",
        &[
            ("immediate", ["Бірден", "Сразу", "Immediately"]),
            (
                "daily_digest",
                ["Күнделікті жиынтық", "Ежедневная сводка", "Daily digest"],
            ),
            ("off", ["Өшірулі", "Выключено", "Off"]),
        ],
    ),
    (
        "mail",
        &[
            ("immediate", ["Бірден", "Сразу", "Immediately"]),
            ("digest", ["Жиынтықта", "В сводке", "In the digest"]),
            ("off", ["Өшірулі", "Выключено", "Off"]),
        ],
    ),
    (
        "timeline_kind",
        &[
            ("signal", ["Сигнал", "Сигнал", "Signal"]),
            (
                "signal_updated",
                ["Сигнал жаңартылды", "Сигнал обновлён", "Signal updated"],
            ),
            (
                "signal_report",
                [
                    "Сигнал бойынша қосымша хабар",
                    "Дополнительное сообщение по сигналу",
                    "Signal report",
                ],
            ),
            ("triage", ["Сигнал қаралды", "Сигнал рассмотрен", "Triage"]),
            ("case_opened", ["Кейс ашылды", "Кейс открыт", "Case opened"]),
            (
                "merge",
                [
                    "Жазбалар біріктірілді",
                    "Записи объединены",
                    "Records merged",
                ],
            ),
            (
                "unmerge",
                [
                    "Біріктіру болдырылмады",
                    "Объединение отменено",
                    "Merge undone",
                ],
            ),
            ("assigned", ["Тағайындалды", "Назначен", "Assigned"]),
            (
                "risk_revised",
                [
                    "Қауіп деңгейі өзгерді",
                    "Уровень риска пересмотрен",
                    "Risk revised",
                ],
            ),
            (
                "concerns_changed",
                [
                    "Алаңдаушылықтар өзгерді",
                    "Проблемы изменены",
                    "Concerns changed",
                ],
            ),
            (
                "status_changed",
                ["Мәртебе өзгерді", "Статус изменён", "Status changed"],
            ),
            (
                "closure_requested",
                ["Жабу сұралды", "Запрошено закрытие", "Closure requested"],
            ),
            (
                "closure_returned",
                ["Жабу қайтарылды", "Закрытие возвращено", "Closure returned"],
            ),
            ("closed", ["Кейс жабылды", "Кейс закрыт", "Case closed"]),
            (
                "reopened",
                ["Кейс қайта ашылды", "Кейс открыт повторно", "Case reopened"],
            ),
            ("assessment", ["Бағалау", "Оценка", "Assessment"]),
            (
                "plan_version",
                [
                    "Жоспардың жаңа нұсқасы",
                    "Новая версия плана",
                    "Plan version",
                ],
            ),
            (
                "plan_approved",
                ["Жоспар бекітілді", "План утверждён", "Plan approved"],
            ),
            (
                "plan_rejected",
                ["Жоспар қайтарылды", "План возвращён", "Plan rejected"],
            ),
            (
                "plan_reviewed",
                ["Жоспар қайта қаралды", "План пересмотрен", "Plan reviewed"],
            ),
            (
                "measure_done",
                ["Шара орындалды", "Мера выполнена", "Measure done"],
            ),
            (
                "intervention",
                ["Көмек көрсетілді", "Оказана помощь", "Intervention"],
            ),
            ("referral", ["Жолдама", "Направление", "Referral"]),
            (
                "referral_accepted",
                [
                    "Жолдама қабылданды",
                    "Направление принято",
                    "Referral accepted",
                ],
            ),
            (
                "referral_declined",
                [
                    "Жолдамадан бас тартылды",
                    "Направление отклонено",
                    "Referral declined",
                ],
            ),
            (
                "referral_completed",
                [
                    "Жолдама орындалды",
                    "Направление выполнено",
                    "Referral completed",
                ],
            ),
            (
                "referral_withdrawn",
                [
                    "Жолдама кері қайтарылды",
                    "Направление отозвано",
                    "Referral withdrawn",
                ],
            ),
            (
                "transfer_requested",
                ["Беру сұралды", "Запрошена передача", "Transfer requested"],
            ),
            (
                "transfer_accepted",
                ["Беру қабылданды", "Передача принята", "Transfer accepted"],
            ),
            (
                "transfer_declined",
                [
                    "Беруден бас тартылды",
                    "Передача отклонена",
                    "Transfer declined",
                ],
            ),
            (
                "relation",
                ["Туыстық байланыс", "Связь с лицом", "Relation"],
            ),
            ("consent", ["Келісім", "Согласие", "Consent"]),
            (
                "consent_withdrawn",
                [
                    "Келісім кері қайтарылды",
                    "Согласие отозвано",
                    "Consent withdrawn",
                ],
            ),
            (
                "commission_referral",
                [
                    "Комиссияға жолдама",
                    "Направление в комиссию",
                    "Commission referral",
                ],
            ),
            (
                "commission_decision",
                ["Комиссия шешімі", "Решение комиссии", "Commission decision"],
            ),
            (
                "commission_measure_done",
                [
                    "Комиссия шарасы орындалды",
                    "Мера комиссии выполнена",
                    "Commission measure done",
                ],
            ),
            ("placement", ["Орналастыру", "Устройство", "Placement"]),
            (
                "placement_ended",
                [
                    "Орналастыру аяқталды",
                    "Устройство завершено",
                    "Placement ended",
                ],
            ),
            ("interview", ["Сұхбат", "Опрос", "Interview"]),
            (
                "deadline_met",
                ["Мерзім орындалды", "Срок соблюдён", "Deadline met"],
            ),
            (
                "deadline_reminder",
                [
                    "Мерзім туралы еске салу",
                    "Напоминание о сроке",
                    "Deadline reminder",
                ],
            ),
            (
                "escalation",
                ["Жоғарыға хабарланды", "Эскалация", "Escalation"],
            ),
            (
                "routing_gap",
                ["Бағыттау олқылығы", "Пробел маршрутизации", "Routing gap"],
            ),
            (
                "routing_gap_resolved",
                [
                    "Бағыттау олқылығы шешілді",
                    "Пробел маршрутизации устранён",
                    "Routing gap resolved",
                ],
            ),
            (
                "follow_up",
                [
                    "Жабудан кейінгі бақылау",
                    "Контроль после закрытия",
                    "Follow-up",
                ],
            ),
            ("note", ["Жазба", "Заметка", "Note"]),
            (
                "flag_set",
                ["Белгі қойылды", "Отметка установлена", "Flag set"],
            ),
            (
                "flag_cleared",
                ["Белгі алынды", "Отметка снята", "Flag cleared"],
            ),
        ],
    ),
    (
        "session_revocation",
        &[
            ("logout", ["Жүйеден шықты", "Выход", "Signed out"]),
            (
                "refresh_token_reuse",
                [
                    "Токен қайта пайдаланылды",
                    "Повторное использование токена",
                    "Refresh token reused",
                ],
            ),
            (
                "deactivated",
                [
                    "Тіркелгі өшірілді",
                    "Учётная запись отключена",
                    "Account deactivated",
                ],
            ),
            (
                "password_reset",
                [
                    "Құпиясөз қалпына келтірілді",
                    "Пароль сброшен",
                    "Password reset",
                ],
            ),
            (
                "password_changed",
                ["Құпиясөз өзгертілді", "Пароль изменён", "Password changed"],
            ),
            (
                "account_changed",
                [
                    "Тіркелгі өзгертілді",
                    "Учётная запись изменена",
                    "Account changed",
                ],
            ),
        ],
    ),
    (
        "identity_field",
        &[
            ("last_name", ["Тегі", "Фамилия", "Last name"]),
            ("first_name", ["Аты", "Имя", "First name"]),
            ("birth_date", ["Туған күні", "Дата рождения", "Birth date"]),
            ("sex", ["Жынысы", "Пол", "Sex"]),
        ],
    ),
    (
        "moved_record",
        &[
            ("signal", ["Сигнал", "Сигнал", "Signal"]),
            ("case", ["Кейс", "Кейс", "Case"]),
            (
                "timeline_event",
                ["Хронология оқиғасы", "Событие хронологии", "Timeline event"],
            ),
        ],
    ),
    (
        "report_dimension",
        &[
            ("region", ["Өңір", "Регион", "Region"]),
            ("district", ["Аудан", "Район", "District"]),
            ("concern", ["Алаңдаушылық", "Проблема", "Concern"]),
            ("source", ["Дереккөз", "Источник", "Source"]),
            ("age_band", ["Жас тобы", "Возрастная группа", "Age band"]),
            ("sex", ["Жынысы", "Пол", "Sex"]),
            ("month", ["Ай", "Месяц", "Month"]),
        ],
    ),
    (
        "age_band",
        &[
            ("0-4", ["0–4 жас", "0–4 года", "0–4 years"]),
            ("5-9", ["5–9 жас", "5–9 лет", "5–9 years"]),
            ("10-14", ["10–14 жас", "10–14 лет", "10–14 years"]),
            ("15-17", ["15–17 жас", "15–17 лет", "15–17 years"]),
            ("18+", ["18 және одан жоғары", "18 и старше", "18 and over"]),
            ("unknown", ["Белгісіз", "Неизвестно", "Unknown"]),
        ],
    ),
];
